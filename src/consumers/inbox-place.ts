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
}

/** Where a consumer stands on a booking: whether it settled this event, and the highest sequence it settled. */
export interface InboxPosition {
  settled: boolean;
  lastSequence: number;
}

/**
 * Takes the event's place in its booking's sequence: inserts its inbox row if, and only if, it is the booking's next
 * event. Returns 'claimed', or 'duplicate' for an event already settled; throws EventOutOfOrder (an earlier event is
 * not settled yet) or LateEvent (later events were settled without it).
 *
 * The common case is one statement. A concurrent delivery of the same event, or another event in the same place, fails
 * on the inbox's unique keys (consumer, event id) and (consumer, booking, sequence): the caller treats that as settled.
 */
export async function takePlace(db: Db | Tx, entry: InboxEntry): Promise<'claimed' | 'duplicate'> {
  // A second try only helps when the previous event settled between the insert's snapshot and the position's: the
  // last sequence only grows, so the second insert either claims the place or sees why not.
  for (let attempt = 1; ; attempt += 1) {
    if ((await insertIfNext(db, entry)) === 1) return 'claimed';
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

/** The max() is an index-only scan backwards on (consumer, booking_id, sequence). */
function insertIfNext(db: Db | Tx, e: InboxEntry): Promise<number> {
  return db.$executeRaw`
    INSERT INTO consumer_inbox (consumer, event_id, booking_id, sequence, type, outcome)
    SELECT ${e.consumer}, ${e.eventId}::uuid, ${e.bookingId}, ${e.sequence}::int, ${e.type}, ${e.outcome}
    WHERE coalesce((SELECT max(sequence) FROM consumer_inbox WHERE consumer = ${e.consumer} AND booking_id = ${e.bookingId}), 0)
      = ${e.sequence}::int - 1`;
}

export async function inboxPosition(db: Db | Tx, e: Pick<InboxEntry, 'consumer' | 'eventId' | 'bookingId'>): Promise<InboxPosition> {
  const [row] = await db.$queryRaw<{ settled: boolean; last_sequence: number }[]>`
    SELECT EXISTS (SELECT 1 FROM consumer_inbox WHERE consumer = ${e.consumer} AND event_id = ${e.eventId}::uuid) AS settled,
           coalesce((SELECT max(sequence) FROM consumer_inbox WHERE consumer = ${e.consumer} AND booking_id = ${e.bookingId}), 0) AS last_sequence`;
  return { settled: row!.settled, lastSequence: Number(row!.last_sequence) };
}
