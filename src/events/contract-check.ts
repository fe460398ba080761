import type { AnyEventCatalog } from './catalog.ts';
import { incompatibilities } from './compatibility.ts';
import { type JsonSchema, eventDataJsonSchema } from './json-schema.ts';

/** The JSON Schema files under version control: type -> version -> schema. */
export type PublishedSchemas = ReadonlyMap<string, ReadonlyMap<number, JsonSchema>>;

export interface ContractReport {
  /** Changes that would break a consumer: CI fails. */
  breaking: string[];
  /** Files to (re)write because the catalog gained a version or a compatible change: CI fails until committed. */
  outdated: { type: string; version: number; schema: JsonSchema }[];
}

/**
 * Compares the catalog with the published JSON Schema files:
 * - a published version may change only in ways both old readers and readers of stored events accept (in practice:
 *   descriptions, or a new optional field); anything else needs a new version;
 * - a published version cannot disappear while stored events may still carry it;
 * - a new version that readers of the previous one cannot read must say so (`breaking`), so nobody ships a breaking
 *   version by accident: its consumers have to be deployed before its producers.
 */
export function checkEventContracts(catalog: AnyEventCatalog, published: PublishedSchemas): ContractReport {
  const report: ContractReport = { breaking: [], outdated: [] };
  for (const definition of Object.values(catalog)) {
    const files = published.get(definition.type) ?? new Map<number, JsonSchema>();
    for (const { version, breaking } of definition.versions) {
      const current = eventDataJsonSchema(definition, version);
      const file = files.get(version);
      const name = `${definition.type} v${version}`;
      if (file) {
        const problems = incompatibilities(file, current);
        for (const p of problems) {
          report.breaking.push(
            `${name}: ${p.path} ${p.problem} (breaks ${p.breaks}); a published version cannot change like this: add v${definition.latestVersion + 1}`,
          );
        }
        if (problems.length === 0 && JSON.stringify(file) !== JSON.stringify(current))
          report.outdated.push({ type: definition.type, version, schema: current });
      } else {
        report.outdated.push({ type: definition.type, version, schema: current });
      }
      if (version > 1) {
        const previous = eventDataJsonSchema(definition, version - 1);
        const forOldReaders = incompatibilities(previous, current).filter((p) => p.breaks === 'old-readers');
        if (forOldReaders.length > 0 && !breaking) {
          const what = forOldReaders.map((p) => `${p.path} ${p.problem}`).join('; ');
          report.breaking.push(
            `${name} breaks readers of v${version - 1} (${what}) but is not declared breaking: make the change additive, or declare why it breaks and deploy consumers first`,
          );
        }
        if (forOldReaders.length === 0 && breaking) {
          report.breaking.push(`${name} is declared breaking, but readers of v${version - 1} can read it: drop the declaration`);
        }
      }
    }
    for (const version of files.keys()) {
      if (!definition.schemaOf(version)) {
        report.breaking.push(`${definition.type} v${version} is published but no longer in the catalog: stored events may still carry it`);
      }
    }
  }
  for (const type of published.keys()) {
    if (!catalog[type]) report.breaking.push(`${type} is published but no longer in the catalog: stored events may still carry it`);
  }
  return report;
}
