import { cp, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { ensureGoBinary, type GoBinary, goBinaryCacheDir, goModuleDir } from '../lib/go-binary.ts';

/** The server and the UI server inside CLI 1.5.1 (its go.mod), so the dev server and the cluster run the same code. */
export const temporalServerVersion = '1.29.1';
export const temporalUiServerVersion = '2.42.1';

type Options = { log?: (line: string) => void; env?: NodeJS.ProcessEnv };

// go.temporal.io/server has no replace directive in its go.mod, so `go install pkg@version` takes it. The names are
// those of the temporalio/server and admin-tools images, where both are on PATH.
const serverModule = `go.temporal.io/server@v${temporalServerVersion}`;
const temporalServer: GoBinary = {
  name: 'temporal-server',
  installs: 'server',
  title: `the Temporal server v${temporalServerVersion}`,
  module: `go.temporal.io/server/cmd/server@v${temporalServerVersion}`,
  cacheName: `temporal-server-${temporalServerVersion}`,
  envVar: 'TEMPORAL_SERVER_BIN',
  goHint: 'Go >= 1.25',
};
const temporalSqlTool: GoBinary = {
  name: 'temporal-sql-tool',
  installs: 'sql',
  title: `temporal-sql-tool v${temporalServerVersion}`,
  module: `go.temporal.io/server/cmd/tools/sql@v${temporalServerVersion}`,
  cacheName: `temporal-server-${temporalServerVersion}`,
  envVar: 'TEMPORAL_SQL_TOOL',
  goHint: 'Go >= 1.25',
};
// github.com/temporalio/ui-server/v2 has none either; its web assets are embedded in the binary.
const uiServerModule = `github.com/temporalio/ui-server/v2@v${temporalUiServerVersion}`;
const temporalUiServer: GoBinary = {
  name: 'temporal-ui-server',
  installs: 'server',
  title: `the Temporal UI server v${temporalUiServerVersion}`,
  module: `github.com/temporalio/ui-server/v2/cmd/server@v${temporalUiServerVersion}`,
  cacheName: `temporal-ui-server-${temporalUiServerVersion}`,
  envVar: 'TEMPORAL_UI_SERVER_BIN',
  goHint: 'Go >= 1.24',
};

export interface TemporalServerInstall {
  /** `temporal-server`: frontend, history, matching and worker services in one process unless told otherwise. */
  server: string;
  /** `temporal-sql-tool`: creates and migrates the persistence and visibility databases. */
  sqlTool: string;
  /** Holds config/docker.yaml: the template the temporalio/server image renders from its environment (DB, POSTGRES_SEEDS...). */
  root: string;
  /** schema/postgresql/v12: the versioned schemas the SQL tool applies (`temporal/versioned`, `visibility/versioned`). */
  postgresSchemaDir: string;
}

/**
 * The Temporal server and its SQL tool, built into the cache beside the CLI, with the two things they need from the
 * server module copied next to them: the configuration template and the PostgreSQL schemas.
 */
export async function ensureTemporalServer(options: Options = {}): Promise<TemporalServerInstall> {
  const server = await ensureGoBinary(temporalServer, options);
  const sqlTool = await ensureGoBinary(temporalSqlTool, options);
  const root = goBinaryCacheDir(temporalServer, options.env);
  await copyFromModule(serverModule, root, ['config/docker.yaml', 'schema/postgresql/v12'], options.env);
  return { server, sqlTool, root, postgresSchemaDir: path.join(root, 'schema/postgresql/v12') };
}

export interface TemporalUiInstall {
  uiServer: string;
  /** Holds config/docker.yaml: the template the temporalio/ui image renders (TEMPORAL_ADDRESS, TEMPORAL_UI_PORT...). */
  root: string;
}

export async function ensureTemporalUiServer(options: Options = {}): Promise<TemporalUiInstall> {
  const uiServer = await ensureGoBinary(temporalUiServer, options);
  const root = goBinaryCacheDir(temporalUiServer, options.env);
  await copyFromModule(uiServerModule, root, ['config/docker.yaml'], options.env);
  return { uiServer, root };
}

/** Copies files out of the module cache once; a copy is renamed into place whole, so a reader never sees half of it. */
async function copyFromModule(module: string, root: string, entries: string[], env: NodeJS.ProcessEnv = process.env) {
  const missing = [];
  for (const entry of entries) if (!(await exists(path.join(root, entry)))) missing.push(entry);
  if (missing.length === 0) return;
  const moduleDir = await goModuleDir(module, env);
  for (const entry of missing) {
    const staging = path.join(root, `${entry}.staging-${process.pid}`);
    await cp(path.join(moduleDir, entry), staging, { recursive: true });
    await rm(path.join(root, entry), { recursive: true, force: true });
    await rename(staging, path.join(root, entry));
  }
}

function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}
