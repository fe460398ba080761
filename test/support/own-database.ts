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
  return { url: database.url, drop: database.drop };
}
