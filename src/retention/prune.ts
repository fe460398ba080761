import { setTimeout as sleep } from 'node:timers/promises';
import type { Db } from '../db/prisma.ts';

/**
 * Retention of the outbox and the inboxes. What may go, and what must stay:
 *
 * - Outbox: a row published (JetStream acked it) before the cutoff, unless it is its booking's latest. The latest stays
 *   because appendOutboxEvents numbers a booking's next event from max(sequence): without it a booking's events would
 *   start again at 1, and every consumer would take them for duplicates. Unpublished rows are never touched.
 * - Inbox: a row `applied` or `skipped` before the cutoff, unless it is its booking's latest for that consumer (the
 *   next event is applied only at max(sequence) + 1). Each deletion raises the booking's watermark in
 *   consumer_inbox_watermarks in the same statement: a duplicate of a pruned event (a place at or below the mark)
 *   is still refused as a duplicate, after JetStream's duplicate window and however late. Dead-lettered and held
 *   rows stay until a replay settles them.
 *
 * Each batch is one statement over at most `batchSize` rows, taken with SKIP LOCKED (a row a consumer or the relay
 * holds is left for the next round), so no lock is held longer than one small delete.
 */
export interface PruneOptions {
  /** Rows settled longer ago than this go. */
  olderThanMs: number;
  batchSize?: number;
  /** Pause between batches, so a large first prune does not crowd out the pipeline's own statements. */
  pauseMs?: number;
  signal?: AbortSignal;
  /** Which tables: the relay prunes the outbox, the consumers their inboxes. */
  outbox?: boolean;
  inbox?: boolean;
  /** After a round that deleted rows, VACUUM the table (default true; see pruneOnce). */
  vacuum?: boolean;
}

export interface PruneReport {
  outbox: number;
  inbox: number;
}

export async function pruneOnce(prisma: Db, options: PruneOptions): Promise<PruneReport> {
  const { olderThanMs, batchSize = 500, pauseMs = 50, signal, outbox = true, inbox = true } = options;
  const cutoff = new Date(Date.now() - olderThanMs);
  const report: PruneReport = { outbox: 0, inbox: 0 };
  const drain = async (batch: () => Promise<number>, key: keyof PruneReport) => {
    while (!signal?.aborted) {
      const n = await batch();
      report[key] += n;
      if (n < batchSize) return;
      await sleep(pauseMs, undefined, { signal }).catch(() => {});
    }
  };
  if (outbox) await drain(() => pruneOutboxBatch(prisma, cutoff, batchSize), 'outbox');
  if (inbox) await drain(() => pruneInboxBatch(prisma, cutoff, batchSize), 'inbox');
  // Deleted rows free their space only once vacuumed. Autovacuum does it where it runs, but it may be off or lag
  // behind (it is off on our CI's server): a plain VACUUM takes no lock that blocks reads or writes, and makes the
  // space reusable by the next inserts, so the tables stay the same size under a steady load.
  if (options.vacuum !== false && !signal?.aborted) {
    if (report.outbox > 0) await prisma.$executeRawUnsafe('VACUUM (ANALYZE) outbox_events');
    if (report.inbox > 0) await prisma.$executeRawUnsafe('VACUUM (ANALYZE) consumer_inbox');
  }
  return report;
}

/** Walks the (published_at, position) index from the oldest; the NOT EXISTS probe is the (aggregate_id, sequence) key. */
function pruneOutboxBatch(prisma: Db, cutoff: Date, batchSize: number): Promise<number> {
  return prisma.$executeRaw`
    DELETE FROM outbox_events WHERE position IN (
      SELECT o.position FROM outbox_events o
      WHERE o.published_at < ${cutoff}
        AND EXISTS (SELECT 1 FROM outbox_events later WHERE later.aggregate_id = o.aggregate_id AND later.sequence > o.sequence)
      ORDER BY o.published_at, o.position
      LIMIT ${batchSize}
      FOR UPDATE SKIP LOCKED)`;
}

/** The delete and the watermark are one statement: no reader ever sees a row gone without its mark raised. */
async function pruneInboxBatch(prisma: Db, cutoff: Date, batchSize: number): Promise<number> {
  const [row] = await prisma.$queryRaw<{ deleted: number }[]>`
    WITH doomed AS (
      SELECT i.consumer, i.event_id FROM consumer_inbox i
      WHERE i.processed_at < ${cutoff} AND i.outcome IN ('applied', 'skipped')
        AND EXISTS (SELECT 1 FROM consumer_inbox later
                    WHERE later.consumer = i.consumer AND later.booking_id = i.booking_id AND later.sequence > i.sequence)
      ORDER BY i.processed_at
      LIMIT ${batchSize}
      FOR UPDATE SKIP LOCKED
    ), gone AS (
      DELETE FROM consumer_inbox i USING doomed d WHERE i.consumer = d.consumer AND i.event_id = d.event_id
      RETURNING i.consumer, i.booking_id, i.sequence
    ), marks AS (
      INSERT INTO consumer_inbox_watermarks AS w (consumer, booking_id, pruned_through)
      SELECT consumer, booking_id, max(sequence) FROM gone GROUP BY consumer, booking_id
      ON CONFLICT (consumer, booking_id)
        DO UPDATE SET pruned_through = greatest(w.pruned_through, excluded.pruned_through), pruned_at = now()
      RETURNING 1
    )
    SELECT (SELECT count(*) FROM gone)::int AS deleted, (SELECT count(*) FROM marks)::int AS marked`;
  return row?.deleted ?? 0;
}

/** Retention settings: PRUNE_AFTER (a duration like 7d, 12h, 30m, 90s; default 7d; `off` disables the job). */
export function pruneAfterMs(value: string | undefined, name = 'PRUNE_AFTER', fallback = '7d'): number | undefined {
  const text = value?.trim() || fallback;
  if (text === 'off') return undefined;
  const match = /^(\d+)(ms|s|m|h|d)$/.exec(text);
  if (!match) throw new Error(`${name} must be a duration like 7d, 12h, 30m or 90s, or off; got "${text}"`);
  const unit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 'ms' | 's' | 'm' | 'h' | 'd'];
  return Number(match[1]) * unit;
}

/**
 * The prune job of the relay and consumers processes: a round every `everyMs` until the signal aborts. A failed
 * round (the database away) is logged and tried again next time.
 */
export async function runPruneJob(prisma: Db, options: PruneOptions & { everyMs?: number; log?: (line: string) => void }): Promise<void> {
  const { everyMs = 60_000, log = () => {}, signal } = options;
  while (!signal?.aborted) {
    try {
      const report = await pruneOnce(prisma, options);
      if (report.outbox + report.inbox > 0) log(`pruned ${report.outbox} outbox row(s), ${report.inbox} inbox row(s)`);
    } catch (error) {
      log(`prune round failed (${(error as Error).message}); trying again in ${everyMs} ms`);
    }
    await sleep(everyMs, undefined, { signal }).catch(() => {});
  }
}
