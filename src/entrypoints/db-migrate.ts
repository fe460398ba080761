// `npm run db:migrate`: applies the pending migrations in prisma/migrations to the PostgreSQL database at DATABASE_URL.
import pg from 'pg';
import { loadConfig } from '../config.ts';
import { applyMigrations, pgExecutor } from '../db/migrations.ts';

const url = loadConfig().databaseUrl;
if (!url) {
  console.error('DATABASE_URL is not set: point it at the PostgreSQL database to migrate, e.g.');
  console.error('  DATABASE_URL=postgresql://user@127.0.0.1:5432/tripsaga npm run db:migrate');
  process.exit(1);
}

const client = new pg.Client({ connectionString: url });
try {
  await client.connect();
  const { applied } = await applyMigrations(pgExecutor(client), { log: (line) => console.log(line) });
  console.log(applied.length > 0 ? `${applied.length} migration(s) applied` : 'no pending migrations: up to date');
} catch (error) {
  console.error(`db:migrate failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  await client.end();
}
