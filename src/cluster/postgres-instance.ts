import { execFile } from 'node:child_process';
import { chmod, chown, mkdir, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { waitFor } from './managed-process.ts';

const run = promisify(execFile);

/**
 * A PostgreSQL server of the cluster's own, made with initdb in a directory of its own and listening on its own port
 * and socket directory, so it can be stopped, crashed and restarted without touching any other server on the
 * machine. initdb and postgres refuse to run as root: as root we run them as the `postgres` OS user.
 */
export interface PostgresInstance {
  port: number;
  dataDir: string;
  /** The server's version, e.g. `15.14`. */
  version: string;
  superuser: string;
  url(database: string): string;
  start(): Promise<void>;
  /** `fast` closes every session (clients see their connections cut); `immediate` is a crash. */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  isRunning(): Promise<boolean>;
}

export interface PostgresInstanceOptions {
  dir: string;
  port: number;
  /** Where initdb and postgres are; absent: the newest Debian install under /usr/lib/postgresql. */
  binDir?: string;
  log?: (line: string) => void;
}

export async function openPostgresInstance({ dir, port, binDir, log = () => {} }: PostgresInstanceOptions): Promise<PostgresInstance> {
  const bin = binDir ?? (await newestDebianPostgresBinDir());
  const dataDir = path.join(dir, 'data');
  const socketDir = path.join(dir, 'socket');
  const logFile = path.join(dir, 'postgres.log');
  const asOwner = process.getuid?.() === 0 ? await postgresUser() : undefined;
  const pgCommand = (program: string, args: string[]) =>
    asOwner ? run('runuser', ['-u', asOwner.name, '--', path.join(bin, program), ...args]) : run(path.join(bin, program), args);

  await mkdir(socketDir, { recursive: true });
  if (asOwner) {
    // The server's user must reach its directory: the cluster's data directory (ours, e.g. made by mkdtemp with
    // mode 700) is opened for traversal; directories above it must allow it already (a temporary directory does).
    await chmod(path.dirname(dir), 0o755);
    await chown(dir, asOwner.uid, asOwner.gid);
    await chown(socketDir, asOwner.uid, asOwner.gid);
  }
  const superuser = 'postgres';
  if (!(await hasCluster(dataDir))) {
    log(`PostgreSQL: initdb ${dataDir}`);
    await pgCommand('initdb', ['-D', dataDir, '-U', superuser, '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync']);
  }
  const { stdout } = await run(path.join(bin, 'postgres'), ['--version']);
  const version = /(\d+(\.\d+)?)/.exec(stdout)?.[1] ?? 'unknown';

  const isRunning = async () => {
    const status = await pgCommand('pg_ctl', ['-D', dataDir, 'status']).then(
      () => true,
      () => false,
    );
    return status;
  };
  const instance: PostgresInstance = {
    port,
    dataDir,
    version,
    superuser,
    url: (database) => `postgresql://${superuser}@127.0.0.1:${port}/${database}`,
    async start() {
      if (await isRunning()) return;
      // Temporal (two pools) and eight app processes (a pool each) share it: more sessions than the default 100.
      const options = `-p ${port} -k ${socketDir} -c listen_addresses=127.0.0.1 -c max_connections=300 -c shared_buffers=64MB`;
      await pgCommand('pg_ctl', ['-D', dataDir, '-l', logFile, '-o', options, '-w', '-t', '60', 'start']);
      await waitFor('PostgreSQL accepting connections', () => canConnect(instance.url('postgres')), { timeoutMs: 30_000 });
    },
    async stop(mode = 'fast') {
      if (!(await isRunning())) return;
      await pgCommand('pg_ctl', ['-D', dataDir, '-m', mode, '-w', '-t', '60', 'stop']);
    },
    isRunning,
  };
  return instance;
}

/** Creates the database unless it exists. */
export async function ensureDatabase(instance: PostgresInstance, database: string) {
  const client = new pg.Client({ connectionString: instance.url('postgres') });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (!rowCount) await client.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }
}

async function canConnect(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } finally {
    await client.end().catch(() => {});
  }
}

async function newestDebianPostgresBinDir(): Promise<string> {
  const versions = (await readdir('/usr/lib/postgresql').catch(() => [])).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
  if (versions.length === 0) throw new Error('No PostgreSQL server binaries under /usr/lib/postgresql: apt-get install postgresql, or set POSTGRES_BIN_DIR');
  return `/usr/lib/postgresql/${versions[0]}/bin`;
}

async function postgresUser() {
  const { stdout } = await run('id', ['-u', 'postgres']).catch(() => {
    throw new Error('initdb and postgres refuse to run as root, and there is no `postgres` user to run them as');
  });
  const { stdout: gid } = await run('id', ['-g', 'postgres']);
  return { name: 'postgres', uid: Number(stdout.trim()), gid: Number(gid.trim()) };
}

async function hasCluster(dataDir: string): Promise<boolean> {
  return stat(path.join(dataDir, 'PG_VERSION')).then(
    () => true,
    () => false,
  );
}
