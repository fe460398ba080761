// Applies the committed Prisma migrations (prisma/migrations/<timestamp>_<name>/migration.sql) without Prisma's native
// schema engine, which cannot be downloaded on every machine. It keeps the `_prisma_migrations` table exactly as
// Prisma Migrate does (same table, same checksums, same lock), so `prisma migrate deploy` can take over wherever the
// native engine is available, and the two never run at the same time.
//
// Works on a real PostgreSQL connection (pgExecutor) and on PGlite (pgliteExecutor). Run it before the application
// starts using the connection: migrations issue BEGIN/COMMIT on it, and PGlite is a single session.
import { createHash, randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PGlite } from '@electric-sql/pglite';
import type { ClientBase } from 'pg';

export interface SqlExecutor {
  /** One statement, with $1... parameters. */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: T[] }>;
  /** A script of any number of statements, without parameters. */
  exec(script: string): Promise<void>;
}

/** One pg connection (a Client or a PoolClient, not a Pool: the lock and the transactions need a single session). */
export function pgExecutor(client: ClientBase): SqlExecutor {
  return {
    async query<T>(sql: string, params?: unknown[]) {
      const result = await client.query(sql, params);
      return { rows: result.rows as T[] };
    },
    async exec(script) {
      // Without parameters pg uses the simple query protocol, which accepts several statements.
      await client.query(script);
    },
  };
}

export function pgliteExecutor(db: PGlite): SqlExecutor {
  return {
    async query<T>(sql: string, params?: unknown[]) {
      const result = await db.query<T>(sql, params);
      return { rows: result.rows };
    },
    async exec(script) {
      await db.exec(script);
    },
  };
}

const DEFAULT_MIGRATIONS_DIR = fileURLToPath(new URL('../../prisma/migrations', import.meta.url));

// The advisory lock key Prisma Migrate takes before it touches the migrations table (prisma-engines,
// sql-schema-connector/src/flavour/postgres.rs). Using the same key serialises this runner with other instances of
// itself and with `prisma migrate deploy`. PGlite accepts it too (one session, so it never waits).
const PRISMA_MIGRATE_LOCK = 72707369;

// The table as Prisma's engine creates it (same file, create_migrations_table).
const CREATE_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             TIMESTAMPTZ,
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          TIMESTAMPTZ,
    started_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_steps_count     INTEGER NOT NULL DEFAULT 0
)`;

interface Migration {
  name: string;
  script: string;
}

interface MigrationRow {
  migration_name: string;
  checksum: string;
  started_at: Date;
  finished_at: Date | null;
  rolled_back_at: Date | null;
  logs: string | null;
}

// Prisma's checksum (prisma-engines, schema-engine/connectors/schema-connector/src/checksum.rs): SHA-256 of the
// migration.sql text (read as UTF-8), as 64 lowercase hex digits.
function checksum(script: string): string {
  return createHash('sha256').update(script, 'utf8').digest('hex');
}

// Prisma also accepts the script with its line endings converted either way, so that a checkout with CRLF line
// endings still matches what was recorded from an LF one (and vice versa).
function matchesChecksum(script: string, recorded: string): boolean {
  const variants = [script, script.replaceAll('\r\n', '\n'), script.replaceAll('\n', '\r\n')];
  return variants.some((variant) => checksum(variant) === recorded);
}

// Like the Prisma CLI: every subdirectory is a migration, ordered by name (localeCompare); its script is migration.sql.
async function readMigrations(dir: string): Promise<Migration[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    // A missing directory would otherwise look like "nothing to apply" on an empty database.
    throw new Error(`Cannot read the migrations directory ${dir}: ${error.message}`);
  });
  const lockfile = await readFile(path.join(dir, 'migration_lock.toml'), 'utf8').catch(() => null);
  const provider = lockfile?.match(/^provider\s*=\s*"([^"]*)"/m)?.[1];
  if (lockfile !== null && provider !== 'postgresql') {
    throw new Error(`${dir}/migration_lock.toml is for provider "${provider}", not "postgresql"`);
  }
  const names = entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name);
  names.sort((a, b) => a.localeCompare(b));
  return Promise.all(
    names.map(async (name) => {
      const file = path.join(dir, name, 'migration.sql');
      const script = await readFile(file, 'utf8').catch((error: Error) => {
        throw new Error(`Cannot read migration ${name}: ${error.message}`);
      });
      return { name, script };
    }),
  );
}

// Creates the migrations table, or refuses a database that already has other tables but no migration history, as
// Prisma does (P3005): such a database must be baselined, not migrated from scratch.
async function initialiseHistory(db: SqlExecutor): Promise<void> {
  const { rows } = await db.query<{ tablename: string }>(
    'SELECT tablename FROM pg_catalog.pg_tables WHERE schemaname = current_schema()',
  );
  const tables = rows.map((row) => row.tablename);
  if (tables.includes('_prisma_migrations')) return;
  if (tables.length > 0) {
    throw new Error(
      `The database schema is not empty (${tables.join(', ')}) but has no _prisma_migrations table: ` +
        'baseline it (https://pris.ly/d/migrate-baseline) instead of applying every migration.',
    );
  }
  await db.exec(CREATE_MIGRATIONS_TABLE);
}

// Refuses to continue on a history it cannot trust: a migration that started and never finished (Prisma's P3009: the
// database may be half-migrated), or an applied migration whose file has changed since.
function checkHistory(history: MigrationRow[], migrations: Migration[]): void {
  const active = history.filter((row) => row.rolled_back_at === null);
  const failed = active.filter((row) => row.finished_at === null);
  if (failed.length > 0) {
    const details = failed.map((row) => {
      const logs = row.logs?.trim() ? `: ${row.logs.trim()}` : '';
      return `\`${row.migration_name}\` (started at ${row.started_at.toISOString()})${logs}`;
    });
    throw new Error(
      'Found failed migrations in the target database; new migrations will not be applied until they are ' +
        'resolved (repair the database, then mark them rolled back, e.g. `prisma migrate resolve --rolled-back ' +
        `<name>\`):\n${details.join('\n')}`,
    );
  }
  for (const migration of migrations) {
    const changed = active.find(
      (row) => row.migration_name === migration.name && !matchesChecksum(migration.script, row.checksum),
    );
    if (changed) {
      throw new Error(
        `Migration \`${migration.name}\` was modified after it was applied (recorded checksum ` +
          `${changed.checksum}, file checksum ${checksum(migration.script)}). ` +
          'Restore the applied version and put the change in a new migration.',
      );
    }
  }
}

export async function applyMigrations(
  db: SqlExecutor,
  options: { migrationsDir?: string; log?: (line: string) => void } = {},
): Promise<{ applied: string[] }> {
  const log = options.log ?? ((line: string) => console.log(line));
  const migrations = await readMigrations(options.migrationsDir ?? DEFAULT_MIGRATIONS_DIR);
  const applied: string[] = [];

  // A session-level lock, held while waiting for others: whoever gets it second finds their work already done.
  await db.query(`SELECT pg_advisory_lock(${PRISMA_MIGRATE_LOCK})`);
  try {
    await initialiseHistory(db);
    const { rows: history } = await db.query<MigrationRow>(
      `SELECT migration_name, checksum, started_at, finished_at, rolled_back_at, logs
       FROM _prisma_migrations ORDER BY started_at`,
    );
    checkHistory(history, migrations);

    // Pending, as Prisma defines it: no row for that name unless rolled back.
    const done = new Set(history.filter((row) => row.rolled_back_at === null).map((row) => row.migration_name));
    for (const migration of migrations.filter((m) => !done.has(m.name))) {
      await applyOne(db, migration);
      applied.push(migration.name);
      log(`applied migration ${migration.name}`);
    }
  } finally {
    await db.query(`SELECT pg_advisory_unlock(${PRISMA_MIGRATE_LOCK})`);
  }
  return { applied };
}

// The script and its history row commit together, or not at all. (Prisma's engine records the row first and runs
// the script as one multi-statement query, which PostgreSQL also runs as a single transaction.) A script that needs
// to run outside a transaction (e.g. CREATE INDEX CONCURRENTLY) fails under both.
async function applyOne(db: SqlExecutor, migration: Migration): Promise<void> {
  const id = randomUUID();
  await db.exec('BEGIN');
  try {
    await db.query(
      'INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at) VALUES ($1, $2, $3, now())',
      [id, checksum(migration.script), migration.name],
    );
    await db.exec(migration.script);
    await db.query(
      `UPDATE _prisma_migrations SET finished_at = clock_timestamp(), applied_steps_count = applied_steps_count + 1
       WHERE id = $1`,
      [id],
    );
    await db.exec('COMMIT');
  } catch (error) {
    await db.exec('ROLLBACK').catch(() => {});
    // Nothing of it is left in the database, so record the attempt as rolled back: it is kept with its error for
    // the record, like `prisma migrate resolve --rolled-back` would, but does not block the next run.
    const message = error instanceof Error ? error.message : String(error);
    await db
      .query(
        `INSERT INTO _prisma_migrations (id, checksum, migration_name, logs, started_at, rolled_back_at)
         VALUES ($1, $2, $3, $4, now(), now())`,
        [id, checksum(migration.script), migration.name, message],
      )
      .catch(() => {});
    throw new Error(`Migration ${migration.name} failed and was rolled back: ${message}`, { cause: error });
  }
}
