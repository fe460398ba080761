import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyMigrations, pgExecutor, pgliteExecutor } from '../src/db/migrations.ts';
import { createThrowawayDatabase } from './support/databases.ts';

// The committed migrations against throwaway databases of our own on the local PostgreSQL server, and on PGlite.
const migrationsDir = fileURLToPath(new URL('../prisma/migrations', import.meta.url));
const migrationNames = (await readdir(migrationsDir, { withFileTypes: true }))
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

const dropAfterwards: (() => Promise<void>)[] = [];
const clients: pg.Client[] = [];

/** A new empty database, dropped after the file; returns a connection factory for it. */
async function throwawayDatabase() {
  const database = await createThrowawayDatabase('tripsaga_test_migrations');
  dropAfterwards.push(database.drop);
  return async () => {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    clients.push(client);
    return client;
  };
}

afterAll(async () => {
  await Promise.all(clients.map((client) => client.end().catch(() => {})));
  for (const drop of dropAfterwards) await drop();
});

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const quiet = () => {};

async function offerWithOneUnitLeft(db: { query: (sql: string) => Promise<unknown> }) {
  await db.query(
    `INSERT INTO offers (id, kind, name, capacity, available, price_amount, currency)
     VALUES ('6f1c1e0e-0000-4000-8000-000000000001', 'hotel', 'Test hotel', 5, 1, 12000, 'EUR')`,
  );
}
const takeTwoUnits = `UPDATE offers SET available = available - 2 WHERE id = '6f1c1e0e-0000-4000-8000-000000000001'`;
const checkViolation = { code: '23514', constraint: 'offers_available_non_negative' };

describe('applyMigrations on PostgreSQL', () => {
  let client: pg.Client;
  beforeAll(async () => {
    client = await (await throwawayDatabase())();
  });

  it('applies every migration once, then nothing', async () => {
    expect(migrationNames.length).toBeGreaterThan(0);
    const lines: string[] = [];
    const first = await applyMigrations(pgExecutor(client), { log: (line) => lines.push(line) });
    expect(first.applied).toEqual(migrationNames);
    expect(lines).toEqual(migrationNames.map((name) => `applied migration ${name}`));

    const second = await applyMigrations(pgExecutor(client), { log: (line) => lines.push(line) });
    expect(second.applied).toEqual([]);
    expect(lines).toHaveLength(migrationNames.length);
  });

  it('creates the tables, with CHECK constraints that refuse impossible inventory', async () => {
    const { rows: tables } = await client.query<{ tablename: string }>(
      `SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`,
    );
    expect(tables.map((row) => row.tablename)).toEqual([
      '_prisma_migrations',
      'api_idempotency_keys',
      'bookings',
      'consumer_inbox',
      'consumer_inbox_watermarks',
      'event_streams',
      'offers',
      'outbox_events',
      'outgoing_emails',
      'payments',
      'reservations',
      'saga_steps',
      'stream_events',
      'stream_snapshots',
      'trip_notifications',
      'trip_summaries',
      'wallet_deposit_requests',
      'wallet_statement_entries',
      'wallet_summaries',
    ]);
    const { rows: checks } = await client.query<{ conname: string }>(
      `SELECT conname FROM pg_constraint WHERE contype = 'c' AND connamespace = 'public'::regnamespace`,
    );
    expect(checks.map((row) => row.conname).sort()).toEqual([
      'event_streams_version_non_negative',
      'offers_available_non_negative',
      'offers_available_within_capacity',
      'offers_capacity_non_negative',
      'offers_currency_iso_code',
      'offers_price_amount_non_negative',
      'payments_amount_non_negative',
      'payments_currency_iso_code',
      'payments_refund_recorded_with_status',
      'reservations_amount_non_negative',
      'reservations_quantity_positive',
      'stream_events_position_positive',
      'stream_snapshots_position_positive',
      'wallet_summaries_balance_non_negative',
      'wallet_summaries_currency_iso_code',
    ]);

    await offerWithOneUnitLeft(client);
    await expect(client.query(takeTwoUnits)).rejects.toMatchObject(checkViolation);
    const { rows } = await client.query(`SELECT available FROM offers`);
    expect(rows).toEqual([{ available: 1 }]);
  });

  it('records each migration in _prisma_migrations as Prisma does: checksum of the file, finished', async () => {
    const { rows } = await client.query(
      `SELECT id, checksum, migration_name, finished_at, rolled_back_at, applied_steps_count
       FROM _prisma_migrations ORDER BY started_at`,
    );
    expect(rows).toHaveLength(migrationNames.length);
    for (const [i, name] of migrationNames.entries()) {
      const script = await readFile(path.join(migrationsDir, name, 'migration.sql'), 'utf8');
      expect(rows[i]).toMatchObject({
        migration_name: name,
        checksum: sha256(script),
        rolled_back_at: null,
        applied_steps_count: 1,
      });
      expect(rows[i].finished_at).toBeInstanceOf(Date);
      expect(rows[i].id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    }
  });

  it('refuses to run when an applied migration no longer matches its recorded checksum', async () => {
    const name = migrationNames[0];
    const setChecksum = (checksum: string) =>
      client.query(`UPDATE _prisma_migrations SET checksum = $1 WHERE migration_name = $2`, [checksum, name]);
    const { rows } = await client.query(`SELECT checksum FROM _prisma_migrations WHERE migration_name = $1`, [name]);
    await setChecksum(sha256('tampered'));
    try {
      await expect(applyMigrations(pgExecutor(client), { log: quiet })).rejects.toThrow(
        `Migration \`${name}\` was modified after it was applied`,
      );
    } finally {
      await setChecksum(rows[0].checksum);
    }
    expect((await applyMigrations(pgExecutor(client), { log: quiet })).applied).toEqual([]);
  });

  it('refuses to run after a migration that started and never finished', async () => {
    await client.query(
      `INSERT INTO _prisma_migrations (id, checksum, migration_name, logs)
       VALUES ('failed-row', $1, '29990101000000_half_done', 'boom')`,
      [sha256('x')],
    );
    try {
      await expect(applyMigrations(pgExecutor(client), { log: quiet })).rejects.toThrow(
        /failed migrations.*\n`29990101000000_half_done`.*boom/,
      );
    } finally {
      await client.query(`DELETE FROM _prisma_migrations WHERE id = 'failed-row'`);
    }
  });

  it('rolls a failing migration back, records the attempt as rolled back, then applies the fixed one', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tripsaga-migrations-'));
    try {
      await cp(migrationsDir, dir, { recursive: true });
      const broken = path.join(dir, '29990101000000_broken');
      await mkdir(broken);
      await writeFile(path.join(broken, 'migration.sql'), 'CREATE TABLE half_done (x int);\nSELECT 1 / 0;\n');
      await expect(applyMigrations(pgExecutor(client), { migrationsDir: dir, log: quiet })).rejects.toThrow(
        /Migration 29990101000000_broken failed and was rolled back: division by zero/,
      );
      expect((await client.query(`SELECT to_regclass('half_done') AS t`)).rows).toEqual([{ t: null }]);

      await writeFile(path.join(broken, 'migration.sql'), 'CREATE TABLE half_done (x int);\n');
      const { applied } = await applyMigrations(pgExecutor(client), { migrationsDir: dir, log: quiet });
      expect(applied).toEqual(['29990101000000_broken']);
      const { rows } = await client.query(
        `SELECT finished_at IS NOT NULL AS finished, rolled_back_at IS NOT NULL AS rolled_back, logs
         FROM _prisma_migrations WHERE migration_name = '29990101000000_broken' ORDER BY started_at`,
      );
      expect(rows).toEqual([
        { finished: false, rolled_back: true, logs: 'division by zero' },
        { finished: true, rolled_back: false, logs: null },
      ]);
    } finally {
      await client.query(`DROP TABLE IF EXISTS half_done`);
      await client.query(`DELETE FROM _prisma_migrations WHERE migration_name = '29990101000000_broken'`);
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('serialises concurrent runners: each migration is applied exactly once', async () => {
    const connect = await throwawayDatabase();
    const [a, b] = await Promise.all([connect(), connect()]);
    const results = await Promise.all([a, b].map((c) => applyMigrations(pgExecutor(c), { log: quiet })));
    expect(results.map((r) => r.applied).sort((x, y) => y.length - x.length)).toEqual([migrationNames, []]);
    const { rows } = await a.query(`SELECT count(*)::int AS n FROM _prisma_migrations`);
    expect(rows).toEqual([{ n: migrationNames.length }]);
  });
});

describe('applyMigrations on PGlite', () => {
  it('applies the same migrations to an in-memory database, and its CHECK constraints hold too', async () => {
    const db = new PGlite();
    try {
      expect((await applyMigrations(pgliteExecutor(db), { log: quiet })).applied).toEqual(migrationNames);
      expect((await applyMigrations(pgliteExecutor(db), { log: quiet })).applied).toEqual([]);
      await offerWithOneUnitLeft(db);
      await expect(db.query(takeTwoUnits)).rejects.toMatchObject(checkViolation);
    } finally {
      await db.close();
    }
  }, 60_000);
});
