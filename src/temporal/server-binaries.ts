import { cp, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { ensureGoBinaries, goModuleDir } from '../lib/go-binaries.ts';
import { temporalCliVersion, tripsagaCacheDir } from './cli.ts';

/** The server and the UI server inside CLI 1.5.1 (its go.mod), so the dev server and the cluster run the same code. */
export const temporalServerVersion = '1.29.1';
export const temporalUiServerVersion = '2.42.1';
export const temporalClusterVersions = { cli: temporalCliVersion, server: temporalServerVersion, uiServer: temporalUiServerVersion } as const;

type Log = (line: string) => void;

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
 * Builds go.temporal.io/server (its go.mod has no replace directive, so `go install pkg@version` works) into the cache
 * beside the CLI, and copies next to it the two things the binaries need from the module: the configuration template
 * and the PostgreSQL schemas.
 */
export async function ensureTemporalServer({ log = console.log, env = process.env }: { log?: Log; env?: NodeJS.ProcessEnv } = {}): Promise<TemporalServerInstall> {
  const root = path.join(tripsagaCacheDir(env), `temporal-server-${temporalServerVersion}`);
  const module = `go.temporal.io/server@v${temporalServerVersion}`;
  const binaries = await ensureGoBinaries(
    {
      name: 'Temporal server',
      version: temporalServerVersion,
      cacheDir: root,
      packages: [`go.temporal.io/server/cmd/server@v${temporalServerVersion}`, `go.temporal.io/server/cmd/tools/sql@v${temporalServerVersion}`],
      binaries: { server: 'temporal-server', sql: 'temporal-sql-tool' },
    },
    { log, env },
  );
  await copyFromModule(module, root, ['config/docker.yaml', 'schema/postgresql/v12'], env);
  return { server: binaries['temporal-server'], sqlTool: binaries['temporal-sql-tool'], root, postgresSchemaDir: path.join(root, 'schema/postgresql/v12') };
}

export interface TemporalUiInstall {
  uiServer: string;
  /** Holds config/docker.yaml: the template the temporalio/ui image renders (TEMPORAL_ADDRESS, TEMPORAL_UI_PORT...). */
  root: string;
}

/** github.com/temporalio/ui-server/v2 (no replace directive either; the web assets are embedded in the binary). */
export async function ensureTemporalUiServer({ log = console.log, env = process.env }: { log?: Log; env?: NodeJS.ProcessEnv } = {}): Promise<TemporalUiInstall> {
  const root = path.join(tripsagaCacheDir(env), `temporal-ui-server-${temporalUiServerVersion}`);
  const binaries = await ensureGoBinaries(
    {
      name: 'Temporal UI server',
      version: temporalUiServerVersion,
      cacheDir: root,
      packages: [`github.com/temporalio/ui-server/v2/cmd/server@v${temporalUiServerVersion}`],
      binaries: { server: 'temporal-ui-server' },
    },
    { log, env },
  );
  await copyFromModule(`github.com/temporalio/ui-server/v2@v${temporalUiServerVersion}`, root, ['config/docker.yaml'], env);
  return { uiServer: binaries['temporal-ui-server'], root };
}

/** Copies files out of the module cache once; a copy is renamed into place whole, so a reader never sees half of it. */
async function copyFromModule(module: string, root: string, entries: string[], env: NodeJS.ProcessEnv) {
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
