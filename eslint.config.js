// @ts-check
import { readdirSync } from 'node:fs';
import { builtinModules } from 'node:module';
import importX from 'eslint-plugin-import-x';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

/*
 * Layers: a folder imports only from its own layer or the ones above it in this list, never from one below.
 *   1. src/lib, src/metrics, src/tracing, src/generated
 *                                                  foundations: no project imports
 *   2. src/db, src/events, src/data-protection     the database session; the event contract; codec, pseudonym
 *   3. src/outbox, src/event-store, src/transport, src/offers, src/retention
 *                                                  appending events; event-sourced streams; the broker seam; offers
 *                                                  (plain CRUD); pruning what ordering and dedup no longer need
 *   4. src/bookings, src/read-model, src/timeline  the booking service; the read model; a booking's timeline
 *   5. src/relay, src/consumers, src/api, src/auth, src/wallet, activities/
 *                                                  the pipeline's halves; HTTP and who may call it; the wallet; the
 *                                                  saga's steps
 *   6. src/worker, src/choreography, src/pipeline, src/services.ts, src/config.ts, src/temporal, src/replay, src/cluster, src/operations,
 *      src/trace-viewer
 *                                                  wiring: the worker and its activities, the choreographed services
 *                                                  (consumers over the same steps), relay and consumers in one
 *                                                  process, the API's services, the settings, the Temporal servers,
 *                                                  replays, the cluster, the operators' commands, the trace viewer
 *   7. src/entrypoints                             processes; nothing imports them
 * workflows/ sits beside them: deterministic code that imports only types from activities/ and nothing from src/,
 * Prisma or Node. src/ imports from workflows/ only types and the saga's public surface (messages.ts, the search
 * attributes), and from activities/ only types, except src/worker, which hands the activities to the worker, and
 * src/choreography, whose services run the same steps.
 */
const layers = [
  ['src/lib', 'src/metrics', 'src/tracing', 'src/generated'],
  ['src/db', 'src/events', 'src/data-protection'],
  ['src/outbox', 'src/event-store', 'src/transport', 'src/offers', 'src/retention'],
  ['src/bookings', 'src/read-model', 'src/timeline'],
  ['src/relay', 'src/consumers', 'src/api', 'src/auth', 'src/wallet', 'activities'],
  ['src/worker', 'src/choreography', 'src/pipeline', 'src/services.ts', 'src/config.ts', 'src/temporal', 'src/replay', 'src/cluster', 'src/operations', 'src/trace-viewer'],
  ['src/entrypoints'],
];

// A new folder in src/ gets a place in the layers before it can be linted.
const placed = new Set(layers.flat());
const unplaced = readdirSync(new URL('./src', import.meta.url)).filter((entry) => !placed.has(`src/${entry}`));
if (unplaced.length > 0) throw new Error(`eslint.config.js: give ${unplaced.map((e) => `src/${e}`).join(', ')} a layer`);

const layerZones = layers.slice(0, -1).flatMap((layer, rank) =>
  layer.map((target) => ({
    target: `./${target}`,
    from: layers.slice(rank + 1).flat().map((above) => `./${above}`),
    message: `${target} is in layer ${rank + 1} and must not import from a layer below it (see eslint.config.js).`,
  })),
);

const nodeBuiltins = [...builtinModules.filter((name) => !name.startsWith('_')), 'node:*'];

/** Patterns for `@typescript-eslint/no-restricted-imports` in src/: workflows/ and activities/ only as types. */
const workflowCode = {
  group: ['**/workflows/*', '!**/workflows/messages.ts', '!**/workflows/search-attributes.ts'],
  allowTypeImports: true,
  message: 'src/ imports only types and the public surface (messages.ts, search-attributes.ts) from workflows/.',
};
const activityCode = {
  group: ['**/activities/*'],
  allowTypeImports: true,
  message: 'src/ imports only types from activities/ (src/worker is where the activities are wired).',
};

export default defineConfig(
  { ignores: ['src/generated/**', 'node_modules/**', '.data/**', '**/*.js', '**/*.mjs'] },
  {
    files: ['**/*.ts'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@typescript-eslint': tseslint.plugin, 'import-x': importX },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-import-type-side-effects': 'error',
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            ...layerZones,
            { target: '.', from: './src/entrypoints', message: 'Entry points are processes: nothing imports them.' },
          ],
        },
      ],
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/worker/**', 'src/choreography/**', 'src/entrypoints/**'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: [workflowCode, activityCode] }] },
  },
  {
    files: ['src/worker/**/*.ts', 'src/choreography/**/*.ts', 'src/entrypoints/**/*.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: [workflowCode] }] },
  },
  {
    // The unit tier runs with no database and no broker: it never reaches for the integration tier's harness.
    files: ['test/unit/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/support/harness*', '**/support/databases*', '**/support/own-database*', '**/support/nats*', '**/src/db/*', 'pg', '@prisma/*', '@nats-io/*', '**/generated/**'],
              message: 'test/unit/ needs no PostgreSQL and no NATS: a test that does belongs in the integration tier (test/).',
            },
          ],
        },
      ],
    },
  },
  {
    // Workflow code runs in Temporal's deterministic sandbox and is replayed: no I/O, no clock, no database.
    files: ['workflows/**/*.ts', 'test/replay/variants/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.filter((name) => !name.includes('*')).map((name) => ({ name, message: 'Workflows run in a sandbox without Node builtins.' })),
          patterns: [
            { group: ['node:*'], message: 'Workflows run in a sandbox without Node builtins.' },
            { group: ['@prisma/*', 'prisma', 'pg', '**/generated/**'], message: 'Workflows never touch the database: that is what activities are for.' },
            { group: ['**/src/**', '**/src'], message: 'Workflows import nothing from src/: src/ depends on them, not the other way round.' },
          ],
        },
      ],
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/activities/*'], allowTypeImports: true, message: 'Workflows import only types from activities/ (use `import type`).' },
          ],
        },
      ],
    },
  },
);
