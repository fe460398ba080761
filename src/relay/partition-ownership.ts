import { randomInt } from 'node:crypto';
import type { DbSession } from '../db/session.ts';
import { lockClass } from '../db/lock-keys.ts';

/**
 * Bookings are spread over a fixed number of partitions by a hash of the booking id; every relay must use the same
 * number (change it only with all relays stopped). A booking lives in one partition, and a partition is published by
 * whichever relay holds its advisory lock, so a booking's events always leave through one relay, in order.
 */
export const relayPartitionCount = 16;

/** The partition of a booking, as SQL over `aggregate_id`: a stable hash, the same for every relay. */
export const partitionOfBookingSql = (count: number) => `((hashtext(aggregate_id) & 2147483647) % ${Math.trunc(count)})`;

/**
 * Shares the partitions among the relays that are running. Each relay holds a member lock, so every relay can count
 * the others (pg_locks), and holds at most ceil(partitions / relays) partition locks: it gives back what is over its
 * share and takes free partitions up to it. Locks are held by a session: a relay that dies releases all of them at
 * once, and the others take its partitions over at their next rebalance, with no lease to wait out.
 */
export function createPartitionOwnership(session: DbSession, partitions = relayPartitionCount) {
  const memberId = randomInt(1, 2 ** 31 - 1);
  const owned = new Set<number>();

  const tryLock = async (partition: number) =>
    (await session.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS ok', [lockClass.relayPartition, partition]))[0]?.ok === true;
  const unlock = (partition: number) => session.query('SELECT pg_advisory_unlock($1, $2)', [lockClass.relayPartition, partition]);

  async function liveRelays(): Promise<number> {
    const [row] = await session.query<{ relays: number }>(
      `SELECT count(*)::int AS relays FROM pg_locks
       WHERE locktype = 'advisory' AND granted AND classid = $1 AND objsubid = 2
         AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      [lockClass.relayMember],
    );
    return Math.max(row?.relays ?? 1, 1);
  }

  return {
    memberId,

    async join(): Promise<void> {
      await session.query('SELECT pg_advisory_lock($1, $2)', [lockClass.relayMember, memberId]);
    },

    /** Gives back partitions over this relay's fair share and takes free ones up to it. Returns what it holds. */
    async rebalance(): Promise<number[]> {
      const share = Math.ceil(partitions / (await liveRelays()));
      for (const partition of [...owned].sort((a, b) => b - a)) {
        if (owned.size <= share) break;
        await unlock(partition);
        owned.delete(partition);
      }
      // Start at a different place for each relay, so that relays starting together do not all race for partition 0.
      for (let i = 0; i < partitions && owned.size < share; i += 1) {
        const partition = (memberId + i) % partitions;
        if (!owned.has(partition) && (await tryLock(partition))) owned.add(partition);
      }
      return this.owned();
    },

    owned(): number[] {
      return [...owned].sort((a, b) => a - b);
    },

    /** Releases everything (a session that is closing releases its locks anyway). */
    async leave(): Promise<void> {
      if (session.lost) return;
      await session.query('SELECT pg_advisory_unlock_all()');
      owned.clear();
    },
  };
}

export type PartitionOwnership = ReturnType<typeof createPartitionOwnership>;
