import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PublishedSchemas } from './contract-check.ts';
import type { JsonSchema } from './json-schema.ts';

/** Where the published JSON Schema of every event version lives, one file per version, under version control. */
export const publishedSchemasDir = fileURLToPath(new URL('../../contracts/events/', import.meta.url));

export function schemaFilePath(type: string, version: number, dir = publishedSchemasDir): string {
  return path.join(dir, type, `v${version}.schema.json`);
}

export function readPublishedSchemas(dir = publishedSchemasDir): PublishedSchemas {
  const published = new Map<string, Map<number, JsonSchema>>();
  if (!existsSync(dir)) return published;
  for (const type of readdirSync(dir)) {
    const versions = new Map<number, JsonSchema>();
    for (const file of readdirSync(path.join(dir, type))) {
      const match = /^v([1-9][0-9]*)\.schema\.json$/.exec(file);
      if (!match) throw new Error(`${path.join(dir, type, file)}: expected v<version>.schema.json`);
      versions.set(Number(match[1]), JSON.parse(readFileSync(path.join(dir, type, file), 'utf8')));
    }
    published.set(type, versions);
  }
  return published;
}

export async function writeSchemaFile(type: string, version: number, schema: JsonSchema, dir = publishedSchemasDir) {
  const file = schemaFilePath(type, version, dir);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(schema, null, 2)}\n`);
  return file;
}
