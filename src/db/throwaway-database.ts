import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The shared PostgreSQL server's maintenance database, where throwaway databases are created and dropped. */
export const defaultAdminDatabaseUrl = 'postgresql://root@127.0.0.1:5432/postgres';

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

export async function adminQuery(adminUrl: string, sql: string) {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}

export interface ThrowawayDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/**
 * A new empty database named `<prefix>_<random>` on a server we do not own (tests, the benchmark);
 * `drop()` removes it even while connections are open.
 */
export async function createThrowawayDatabase(prefix: string, adminUrl = defaultAdminDatabaseUrl): Promise<ThrowawayDatabase> {
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  await adminQuery(adminUrl, `CREATE DATABASE ${name}`);
  return {
    name,
    url: withDatabase(adminUrl, name),
    drop: () => adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}
