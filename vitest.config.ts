import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One Temporal dev server and one throwaway PostgreSQL database for the whole run (see global-setup.ts).
    globalSetup: ['test/support/global-setup.ts'],
    // The Temporal native bridge belongs in child processes, not worker threads.
    pool: 'forks',
    // Two cores: files run one after another so timing-sensitive sagas are not starved.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
