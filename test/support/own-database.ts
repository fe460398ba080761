import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { applyMigrations, pgExecutor } from '../../src/db/migrations.ts';
import { withDatabase } from './global-setup.ts';

/**
 * A migrated database for one test file, dropped afterwards: for tests that count everything in the outbox or the
 * read model and must not see the events other files leave in the run's shared database.
 */
export async function createOwnDatabase(label: string) {
  const adminUrl = inject('adminDatabaseUrl');
  const name = `tripsaga_test_${label}_${randomBytes(4).toString('hex')}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const url = withDatabase(adminUrl, name);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await applyMigrations(pgExecutor(client), { log: () => {} });
  await client.end();
  return { url, drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}
