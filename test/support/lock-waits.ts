import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';

/**
 * Resolves once a session of this database waits on a lock: the moment a blocked step is provably mid-transaction.
 * Scoped to the current database, because the PostgreSQL server is shared with other test runs.
 */
export async function untilSomeoneWaitsOnALock(db: pg.Client, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  const sql = "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'";
  // The caller is usually the blocker, inside its transaction, where activity statistics are a snapshot taken once.
  const fresh = async () => (await db.query('SELECT pg_stat_clear_snapshot()'), db.query(sql));
  while ((await fresh()).rowCount === 0) {
    if (Date.now() > deadline) throw new Error('nothing waited on the lock in time');
    await sleep(50);
  }
}
