import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';

/**
 * Resolves once some session waits on a lock that `blocker` holds: the moment a blocked step is provably
 * mid-transaction. Asking for sessions blocked by *this* connection keeps other users of the shared server out of it
 * (and pg_locks, unlike pg_stat_activity, is not a snapshot frozen for the caller's transaction).
 */
export async function untilSomeoneWaitsOnALock(blocker: pg.Client, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  const blockedByUs = 'SELECT 1 FROM pg_locks WHERE NOT granted AND pg_backend_pid() = ANY(pg_blocking_pids(pid))';
  while ((await blocker.query(blockedByUs)).rowCount === 0) {
    if (Date.now() > deadline) throw new Error('nothing waited on the lock in time');
    await sleep(50);
  }
}
