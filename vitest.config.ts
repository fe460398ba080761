import { defineConfig } from 'vitest/config';

// Two tiers. `unit` (test/unit/, `npm run test:unit`): no PostgreSQL, no NATS, no shared Temporal; a test that needs a
// Temporal server starts its own. `integration` (the rest of test/): the real parts, shared by the run through
// global-setup.ts. `npm test` runs both.
const unreachable = {
  // Anything in the unit tier that reaches for a database or a broker fails at once instead of finding the shared ones.
  DATABASE_URL: 'postgresql://postgres@127.0.0.1:9/unit-tier-has-no-database',
  NATS_URL: 'nats://127.0.0.1:9',
};

export default defineConfig({
  test: {
    // The Temporal native bridge belongs in child processes, not worker threads.
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default'],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          env: unreachable,
          // First, and on its own: the integration tier's sagas are not to share two cores with it.
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          exclude: ['test/unit/**', '**/node_modules/**'],
          // One Temporal dev server and one throwaway PostgreSQL database for the whole run (see global-setup.ts).
          globalSetup: ['test/support/global-setup.ts'],
          // Two cores: files run one after another so timing-sensitive sagas are not starved.
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
