import { setTimeout as sleep } from 'node:timers/promises';
import { Prisma } from '../generated/prisma/client.ts';
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
 * - Forgetting a booking (`forget`): what the two rules above keep, its latest rows and its watermarks, goes too once
 *   the booking is settled (no event of it can ever be written again) and every copy of its events has aged out of
 *   the events stream (NATS_STREAM_MAX_AGE): then no duplicate of them can arrive any more, from the relay (it re-sends
 *   only unpublished rows) or from JetStream (it no longer holds them). See forgetBookingsAfterMs.
 *
 * Each batch is one statement over at most `batchSize` rows, taken with SKIP LOCKED (a row a consumer or the relay
 * holds is left for the next round), so no lock is held longer than one small delete.
 */
export interface PruneOptions {
  /** Rows settled longer ago than this go. */
  olderThanMs: number;
  /** Settled bookings whose last event was published longer ago than `afterMs` are forgotten; unset: never. */
  forget?: ForgetOptions;
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

export interface ForgetOptions {
  /** At least the events stream's age limit plus a margin: forgetBookingsAfterMs. */
  afterMs: number;
  /**
   * BOOKING_CANCELLATION_WINDOW: a confirmed booking is settled only once its saga no longer takes a cancellation.
   * Counted from the confirmation's commit (bookings.updated_at); the saga's timer starts when it sees that commit.
   */
  cancellationWindowMs: number;
}

export interface PruneReport {
  outbox: number;
  inbox: number;
  /** Of those, the rows that were their booking's last (with their watermarks, for the inbox): forgotten bookings. */
  forgottenOutbox: number;
  forgottenInbox: number;
}

/**
 * How much older than the stream's age limit a booking's last publication must be before it is forgotten: covers the
 * clocks of the relay (which stamps published_at) and of the NATS server (which ages messages) being apart, a publish
 * still in flight when the row was marked, and JetStream removing expired messages a little after their time.
 */
export const forgetMarginMs = 60_000;

/**
 * When a settled booking may be forgotten: never without a stream age limit (JetStream could redeliver its events
 * for ever), else once its events are older than the limit plus forgetMarginMs, and not before PRUNE_AFTER.
 */
export function forgetBookingsAfterMs(pruneAfterMs: number, streamMaxAgeMs: number | undefined): number | undefined {
  if (!streamMaxAgeMs) return undefined;
  return Math.max(pruneAfterMs, streamMaxAgeMs + forgetMarginMs);
}

export async function pruneOnce(prisma: Db, options: PruneOptions): Promise<PruneReport> {
  const { olderThanMs, forget, batchSize = 500, pauseMs = 50, signal, outbox = true, inbox = true } = options;
  const now = Date.now();
  const cutoff = new Date(now - olderThanMs);
  const report: PruneReport = { outbox: 0, inbox: 0, forgottenOutbox: 0, forgottenInbox: 0 };
  const drain = async (batch: () => Promise<number>, ...keys: (keyof PruneReport)[]) => {
    while (!signal?.aborted) {
      const n = await batch();
      for (const key of keys) report[key] += n;
      if (n < batchSize) return;
      await sleep(pauseMs, undefined, { signal }).catch(() => {});
    }
  };
  if (outbox) await drain(() => pruneOutboxBatch(prisma, cutoff, batchSize), 'outbox');
  if (inbox) await drain(() => pruneInboxBatch(prisma, cutoff, batchSize), 'inbox');
  if (forget) {
    const settled = settledBookingCutoffs(now, forget);
    if (outbox) await drain(() => forgetOutboxBatch(prisma, settled, batchSize), 'outbox', 'forgottenOutbox');
    if (inbox) await drain(() => forgetInboxBatch(prisma, settled, batchSize), 'inbox', 'forgottenInbox');
  }
  // Deleted rows free their space only once vacuumed. Autovacuum does it where it runs, but it may be off or lag
  // behind (it is off on our CI's server): a plain VACUUM takes no lock that blocks reads or writes, and makes the
  // space reusable by the next inserts, so the tables stay the same size under a steady load.
  if (options.vacuum !== false && !signal?.aborted) {
    if (report.outbox > 0) await prisma.$executeRawUnsafe('VACUUM (ANALYZE) outbox_events');
    if (report.inbox > 0) await prisma.$executeRawUnsafe('VACUUM (ANALYZE) consumer_inbox');
    if (report.forgottenInbox > 0) await prisma.$executeRawUnsafe('VACUUM (ANALYZE) consumer_inbox_watermarks');
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

interface SettledCutoffs {
  /** Published, processed and settled before this. */
  before: Date;
  /** A confirmed booking: confirmed before this (its cancellation window closed before `before`). */
  confirmedBefore: Date;
}

function settledBookingCutoffs(now: number, forget: ForgetOptions): SettledCutoffs {
  return { before: new Date(now - forget.afterMs), confirmedBefore: new Date(now - forget.afterMs - forget.cancellationWindowMs) };
}

/**
 * A booking no event can be written for any more, settled long enough ago: undone (COMPENSATED, CANCELLED: final,
 * see recordBookingOutcome), or CONFIRMED with its cancellation window closed. A wallet's events (no bookings row) are
 * never settled: a traveler's wallet lives on.
 */
const settledBooking = (alias: 'o' | 'i', cutoffs: SettledCutoffs) => Prisma.sql`
  EXISTS (SELECT 1 FROM bookings b WHERE b.id = ${Prisma.raw(alias === 'o' ? 'o.aggregate_id' : 'i.booking_id')}
            AND (b.status IN ('COMPENSATED', 'CANCELLED') AND b.updated_at < ${cutoffs.before}
                 OR b.status = 'CONFIRMED' AND b.updated_at < ${cutoffs.confirmedBefore}))`;

/**
 * Every row of the booking was published before the cutoff: the relay will not send any of them again, and JetStream
 * holds no copy any more (a copy is stored before the relay marks its row). Rows already forgotten count as such.
 */
const allPublishedBefore = (aggregateId: Prisma.Sql, cutoff: Date) => Prisma.sql`
  NOT EXISTS (SELECT 1 FROM outbox_events e WHERE e.aggregate_id = ${aggregateId} AND (e.published_at IS NULL OR e.published_at >= ${cutoff}))`;

/** A settled booking's remaining outbox rows, its latest among them (whatever row a round left: all go). */
function forgetOutboxBatch(prisma: Db, cutoffs: SettledCutoffs, batchSize: number): Promise<number> {
  return prisma.$executeRaw`
    DELETE FROM outbox_events WHERE position IN (
      SELECT o.position FROM outbox_events o
      WHERE o.published_at < ${cutoffs.before}
        AND ${allPublishedBefore(Prisma.raw('o.aggregate_id'), cutoffs.before)}
        AND ${settledBooking('o', cutoffs)}
      ORDER BY o.published_at, o.position
      LIMIT ${batchSize}
      FOR UPDATE SKIP LOCKED)`;
}

/**
 * A settled booking's remaining inbox rows for a consumer, all settled, the latest among them, and its watermark once
 * its last row goes, in one statement: a booking is never left with rows but no mark below them. A booking with a
 * dead letter or a held event is kept whole until a replay settles them.
 */
async function forgetInboxBatch(prisma: Db, cutoffs: SettledCutoffs, batchSize: number): Promise<number> {
  const [row] = await prisma.$queryRaw<{ deleted: number }[]>`
    WITH doomed AS (
      SELECT i.consumer, i.event_id FROM consumer_inbox i
      WHERE i.processed_at < ${cutoffs.before}
        AND NOT EXISTS (SELECT 1 FROM consumer_inbox e
                        WHERE e.consumer = i.consumer AND e.booking_id = i.booking_id
                          AND (e.outcome NOT IN ('applied', 'skipped') OR e.processed_at >= ${cutoffs.before}))
        AND ${allPublishedBefore(Prisma.raw('i.booking_id'), cutoffs.before)}
        AND ${settledBooking('i', cutoffs)}
      ORDER BY i.processed_at, i.consumer, i.event_id
      LIMIT ${batchSize}
      FOR UPDATE SKIP LOCKED
    ), gone AS (
      DELETE FROM consumer_inbox i USING doomed d WHERE i.consumer = d.consumer AND i.event_id = d.event_id
      RETURNING i.consumer, i.booking_id, i.event_id
    ), marks AS (
      DELETE FROM consumer_inbox_watermarks w
      USING (SELECT DISTINCT consumer, booking_id FROM gone) g
      WHERE w.consumer = g.consumer AND w.booking_id = g.booking_id
        AND NOT EXISTS (SELECT 1 FROM consumer_inbox r
                        WHERE r.consumer = g.consumer AND r.booking_id = g.booking_id
                          AND r.event_id NOT IN (SELECT event_id FROM gone WHERE gone.consumer = g.consumer))
      RETURNING 1
    )
    SELECT (SELECT count(*) FROM gone)::int AS deleted, (SELECT count(*) FROM marks)::int AS unmarked`;
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

export function describePrune(report: PruneReport): string {
  const forgotten = report.forgottenOutbox + report.forgottenInbox > 0 ? ` (of which the last rows of settled bookings: ${report.forgottenOutbox} outbox, ${report.forgottenInbox} inbox)` : '';
  return `pruned ${report.outbox} outbox row(s), ${report.inbox} inbox row(s)${forgotten}`;
}

/**
 * The prune job of the relay and consumers processes: a round every `everyMs` until the signal aborts. A failed
 * round (the database away) is logged and tried again next time.
 *
 * Forgetting takes the age limit the events stream has now, asked each round (not the setting: another process may
 * have set another one on it). A stream without one, or a broker that does not answer, means nothing is forgotten
 * that round.
 */
export async function runPruneJob(
  prisma: Db,
  options: Omit<PruneOptions, 'forget'> & {
    everyMs?: number;
    log?: (line: string) => void;
    forget?: { streamMaxAgeMs: () => Promise<number | undefined>; cancellationWindowMs: number };
  },
): Promise<void> {
  const { everyMs = 60_000, log = () => {}, signal } = options;
  while (!signal?.aborted) {
    try {
      const streamMaxAgeMs = options.forget && (await options.forget.streamMaxAgeMs().catch(() => undefined));
      const afterMs = forgetBookingsAfterMs(options.olderThanMs, streamMaxAgeMs);
      const forget = options.forget && afterMs !== undefined ? { afterMs, cancellationWindowMs: options.forget.cancellationWindowMs } : undefined;
      const report = await pruneOnce(prisma, { ...options, forget });
      if (report.outbox + report.inbox > 0) log(describePrune(report));
    } catch (error) {
      log(`prune round failed (${(error as Error).message}); trying again in ${everyMs} ms`);
    }
    await sleep(everyMs, undefined, { signal }).catch(() => {});
  }
}
