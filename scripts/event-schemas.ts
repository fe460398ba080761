import path from 'node:path';
import { eventCatalog } from '../src/events/catalog.ts';
import { checkEventContracts } from '../src/events/contract-check.ts';
import { readPublishedSchemas, schemaFilePath, writeSchemaFile } from '../src/events/schema-files.ts';

/**
 * `npm run events:schemas`: writes contracts/events/<type>/v<N>.schema.json for new versions and compatible
 * changes, and refuses (exit 1) when the catalog would break a consumer. `-- --check` only reports.
 */
const checkOnly = process.argv.includes('--check');
const report = checkEventContracts(eventCatalog, readPublishedSchemas());
const relative = (file: string) => path.relative(process.cwd(), file);

for (const problem of report.breaking) console.error(`BREAKING  ${problem}`);
if (report.breaking.length > 0) {
  console.error(`\n${report.breaking.length} breaking change(s): nothing written.`);
  process.exit(1);
}
for (const { type, version, schema } of report.outdated) {
  if (checkOnly) console.error(`OUTDATED  ${relative(schemaFilePath(type, version))}`);
  else console.log(`wrote     ${relative(await writeSchemaFile(type, version, schema))}`);
}
if (checkOnly && report.outdated.length > 0) process.exit(1);
if (report.outdated.length === 0) console.log('Every event schema matches its published file.');
