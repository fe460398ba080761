import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { inject } from 'vitest';
import { applyMigrations, pgExecutor } from '../../src/db/migrations.ts';
import { createThrowawayDatabase } from './databases.ts';

/**
 * A migrated database for one test file, dropped afterwards: for tests that count everything in the outbox or the
 * read model and must not see the events other files leave in the run's shared database.
 */
export async function createOwnDatabase(label: string) {
  const database = await createThrowawayDatabase(`tripsaga_test_${label}`, inject('adminDatabaseUrl'));
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  await applyMigrations(pgExecutor(client), { log: () => {} });
  await client.end();
  return {
    url: database.url,
    /**
     * `pool.end()` resolves before its connections have finished closing: a forced drop in that gap kills them, and
     * the FATAL lands as an 'error' nobody listens to any more. So the drop waits (briefly) for them to be gone.
     */
    drop: async () => {
      await untilNoSessions(database.name);
      await database.drop();
    },
  };
}

async function untilNoSessions(databaseName: string, timeoutMs = 5_000) {
  const admin = new pg.Client({ connectionString: inject('adminDatabaseUrl') });
  await admin.connect();
  try {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const { rows } = await admin.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1', [databaseName]);
      if (rows[0]!.n === 0) return;
      await sleep(25);
    }
  } finally {
    await admin.end();
  }
}
