import { createThrowawayDatabase as createOn, defaultAdminDatabaseUrl } from '../../src/db/throwaway-database.ts';

/** The shared PostgreSQL server's admin URL; tests create databases of their own there and drop them afterwards. */
export const adminDatabaseUrl = () => process.env.TEST_PG_ADMIN_URL ?? defaultAdminDatabaseUrl;

export function createThrowawayDatabase(prefix: string, adminUrl = adminDatabaseUrl()) {
  return createOn(prefix, adminUrl);
}
