import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { generatedKeyEnvironment } from '../../src/data-protection/keys.ts';
import { applyMigrations, pgExecutor } from '../../src/db/migrations.ts';
import { ensureTemporalCli } from '../../src/temporal/cli.ts';
import { responsiveDevServerConfig, startTemporalDevServer } from '../../src/temporal/dev-server.ts';
import { devServerSearchAttributes } from '../../src/temporal/search-attributes.ts';
import { workflowsPath } from '../../src/worker/create-worker.ts';
import { workflowTracingModules } from '../../src/tracing/temporal-tracing.ts';
import { adminDatabaseUrl, createThrowawayDatabase } from './databases.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    /** The dev server's Web UI, for links the API returns and for the browser test. */
    temporalUiUrl: string;
    databaseUrl: string;
    adminDatabaseUrl: string;
    workflowBundlePath: string;
    /** The run's payload codec and pseudonym keys, as the environment variables the entry points read. */
    keyEnvironment: Record<string, string>;
  }
}

const log = (line: string) => console.log(`[test setup] ${line}`);

/**
 * Real parts for the whole run: the Temporal dev server with its Web UI (built from the Go module proxy on first use),
 * a PostgreSQL database of our own on the shared server (created here, dropped at the end), and the workflow bundle
 * built once.
 */
export default async function setup(project: TestProject) {
  const adminUrl = adminDatabaseUrl();
  const database = await createThrowawayDatabase('tripsaga_test', adminUrl);
  const databaseUrl = database.url;
  log(`database ${database.name}`);
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  await applyMigrations(pgExecutor(client), { log });
  await client.end();

  const server = await startTemporalDevServer({
    cliPath: await ensureTemporalCli({ log }),
    uiPort: 0,
    searchAttributes: devServerSearchAttributes(),
    dynamicConfig: responsiveDevServerConfig,
    log,
  });

  const bundleDir = await mkdtemp(path.join(os.tmpdir(), 'tripsaga-bundle-'));
  const bundlePath = path.join(bundleDir, 'workflows.js');
  // With Temporal's tracing interceptors, as a traced worker runs it: every test and the replay suite run them.
  const { code } = await bundleWorkflowCode({ workflowsPath, workflowInterceptorModules: workflowTracingModules, logger: quietLogger });
  await writeFile(bundlePath, code);

  project.provide('temporalAddress', server.address);
  project.provide('temporalUiUrl', server.uiUrl!);
  project.provide('databaseUrl', databaseUrl);
  project.provide('adminDatabaseUrl', adminUrl);
  project.provide('workflowBundlePath', bundlePath);
  project.provide('keyEnvironment', generatedKeyEnvironment());

  return async () => {
    await server.stop();
    await database.drop();
    await rm(bundleDir, { recursive: true, force: true });
  };
}

const quietLogger = {
  trace() {},
  debug() {},
  info() {},
  log() {},
  warn: (message: string) => log(message),
  error: (message: string) => log(message),
};
