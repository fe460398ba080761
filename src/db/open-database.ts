import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { acquirePidLock } from '../lib/pid-lock.ts';
import { applyMigrations, pgExecutor, pgliteExecutor } from './migrations.ts';
import { type Db, PrismaClient } from './prisma.ts';
import { type DbSession, embeddedSession, openServerSession } from './session.ts';

export interface Database {
  prisma: Db;
  /** `postgres` for a server reached by URL, `embedded` for PGlite inside this process. */
  kind: 'postgres' | 'embedded';
  /** A cheap round trip, for readiness checks. */
  ping(): Promise<void>;
  /** A session of its own (advisory locks, LISTEN); see DbSession. */
  openSession(): Promise<DbSession>;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  databaseUrl?: string;
  /** Where the embedded database keeps its files when there is no URL. */
  dataDir: string;
  migrate: boolean;
  log?: (line: string) => void;
}

export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  return options.databaseUrl ? openServerDatabase(options.databaseUrl, options) : openEmbeddedDatabase(options);
}

async function openServerDatabase(url: string, { migrate, log }: OpenDatabaseOptions): Promise<Database> {
  if (migrate) {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await applyMigrations(pgExecutor(client), { log });
    } finally {
      await client.end();
    }
  }
  const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: url }) });
  return {
    prisma,
    kind: 'postgres',
    ping: async () => void (await prisma.$queryRaw`SELECT 1`),
    openSession: () => openServerSession(url, log),
    close: () => prisma.$disconnect(),
  };
}

/**
 * PGlite is one database session inside this process: every part of `npm start` shares it, and a second process
 * must not open the same directory (PGlite itself does not stop it), hence the lock file.
 */
async function openEmbeddedDatabase({ dataDir, migrate, log }: OpenDatabaseOptions): Promise<Database> {
  const dir = path.join(dataDir, 'pglite');
  await mkdir(dir, { recursive: true });
  const lockPath = path.join(dataDir, 'pglite.lock');
  const releaseLock = await acquirePidLock(lockPath, (holder) => {
    throw new Error(`The embedded database is in use by process ${holder} (${lockPath}). Stop it, or set DATABASE_URL.`);
  });
  log?.(`embedded PostgreSQL (PGlite) in ${dir}`);
  const pglite = new PGlite(dir);
  await pglite.waitReady;
  if (migrate) await applyMigrations(pgliteExecutor(pglite), { log });
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(pglite) });
  return {
    prisma,
    kind: 'embedded',
    ping: async () => void (await prisma.$queryRaw`SELECT 1`),
    openSession: async () => embeddedSession(pglite),
    close: async () => {
      await prisma.$disconnect();
      await pglite.close();
      await releaseLock();
    },
  };
}
