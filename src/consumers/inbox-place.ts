import type { Db, Tx } from '../db/prisma.ts';
import { EventOutOfOrder, LateEvent } from './event-order.ts';

/** What the inbox records for an event it settles by applying it (or skipping it: no handler). */
export interface InboxEntry {
  consumer: string;
  eventId: string;
  bookingId: string;
  sequence: number;
  type: string;
  outcome: 'applied' | 'skipped';
  /** The CloudEvent as received: kept only if the event is held (a replay applies it from there). */
  envelope?: unknown;
}

/** Where a consumer stands on a booking: whether it settled this event, and the highest sequence it settled. */
export interface InboxPosition {
  settled: boolean;
  lastSequence: number;
}

/**
 * Takes the event's place in its booking's sequence: inserts its inbox row if, and only if, it is the booking's next
 * event. Returns 'claimed', 'held' (the booking has a dead letter: the row keeps the event, unapplied, for the replay
 * to apply in order), or 'duplicate' for an event already settled; throws EventOutOfOrder (an earlier event is not
 * settled yet) or LateEvent (later events were settled without it).
 *
 * The common case is one statement. A concurrent delivery of the same event, or another event in the same place, fails
 * on the inbox's unique keys (consumer, event id) and (consumer, booking, sequence): the caller treats that as settled.
 */
export async function takePlace(db: Db | Tx, entry: InboxEntry): Promise<'claimed' | 'held' | 'duplicate'> {
  // A second try only helps when the previous event settled between the insert's snapshot and the position's: the
  // last sequence only grows, so the second insert either claims the place or sees why not.
  for (let attempt = 1; ; attempt += 1) {
    const [inserted] = await insertIfNext(db, entry);
    if (inserted) return inserted.outcome === 'held' ? 'held' : 'claimed';
    const position = await inboxPosition(db, entry);
    if (position.settled) return 'duplicate';
    const expected = position.lastSequence + 1;
    if (entry.sequence < expected) {
      throw new LateEvent(`booking ${entry.bookingId}: event ${entry.sequence} came after later events were settled without it`);
    }
    // Still not claimable on the second try (inbox rows deleted meanwhile?): let the transport bring it back.
    if (entry.sequence > expected || attempt > 1) throw new EventOutOfOrder(entry.bookingId, expected, entry.sequence);
  }
}

/**
 * The max() is an index-only scan backwards on (consumer, booking_id, sequence). The FOR SHARE makes a replay and a
 * live delivery of the same booking take turns: a replay that is turning a held row into an applied one holds it
 * locked; this insert waits for it, then reads the row again, so it is held only if the booking still has a dead
 * letter once the replay committed (and the replay, which reads the held rows after its own, then sees this one).
 */
function insertIfNext(db: Db | Tx, e: InboxEntry): Promise<{ outcome: string }[]> {
  return db.$queryRaw`
    INSERT INTO consumer_inbox (consumer, event_id, booking_id, sequence, type, outcome, envelope)
    SELECT ${e.consumer}, ${e.eventId}::uuid, ${e.bookingId}, ${e.sequence}::int, ${e.type},
           CASE WHEN blocked.yes THEN 'held' ELSE ${e.outcome} END,
           CASE WHEN blocked.yes THEN ${JSON.stringify(e.envelope ?? null)}::jsonb END
    FROM (SELECT EXISTS (SELECT 1 FROM consumer_inbox WHERE consumer = ${e.consumer} AND booking_id = ${e.bookingId}
                           AND outcome IN ('dead_lettered', 'held') FOR SHARE) AS yes) AS blocked
    WHERE coalesce((SELECT max(sequence) FROM consumer_inbox WHERE consumer = ${e.consumer} AND booking_id = ${e.bookingId}), 0)
      = ${e.sequence}::int - 1
    RETURNING outcome`;
}

/**
 * `settled` also holds for an event whose row the prune job deleted: its place is at or below the booking's
 * watermark (src/retention/prune.ts), so a duplicate stays a duplicate however late it comes.
 */
export async function inboxPosition(db: Db | Tx, e: Pick<InboxEntry, 'consumer' | 'eventId' | 'bookingId' | 'sequence'>): Promise<InboxPosition> {
  const [row] = await db.$queryRaw<{ settled: boolean; last_sequence: number }[]>`
    SELECT EXISTS (SELECT 1 FROM consumer_inbox WHERE consumer = ${e.consumer} AND event_id = ${e.eventId}::uuid)
             OR ${e.sequence}::int <= coalesce((SELECT pruned_through FROM consumer_inbox_watermarks
                                                WHERE consumer = ${e.consumer} AND booking_id = ${e.bookingId}), 0) AS settled,
           coalesce((SELECT max(sequence) FROM consumer_inbox WHERE consumer = ${e.consumer} AND booking_id = ${e.bookingId}), 0) AS last_sequence`;
  return { settled: row!.settled, lastSequence: Number(row!.last_sequence) };
}
