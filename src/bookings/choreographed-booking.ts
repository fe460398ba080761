import type { Db } from '../db/prisma.ts';
import { transactionOptions } from '../db/prisma.ts';
import { EventType } from '../events/event-types.ts';
import type { Clock } from '../lib/clock.ts';
import { appendOutboxEvent } from '../outbox/append-event.ts';
import { recordCancelRequest } from './choreography-records.ts';
import { BookingError } from './errors.ts';

/** Who runs a booking's trip. Absent in a request: the orchestration, as before the choreography existed. */
export type Coordination = 'orchestration' | 'choreography';

/**
 * Cancelling a choreographed trip: no saga to signal, so the request is an event, `booking.cancel-requested`, in the
 * booking's sequence. Every service hears it in that order: the step whose turn comes after it refuses, and the
 * unwinding runs back from there (src/choreography). Accepted once: a second request, or one while a refusal is
 * already being undone, is refused as the saga's update refuses it.
 */
export async function cancelChoreographedBooking(prisma: Db, clock: Clock, bookingId: string, reason?: string): Promise<{ status: 'CANCELLING' }> {
  return prisma.$transaction(async (tx) => {
    const [booking] = await tx.$queryRaw<{ status: string }[]>`SELECT status::text AS status FROM bookings WHERE id = ${bookingId} FOR UPDATE`;
    if (!booking) throw new BookingError('booking_not_found', 'No such booking');
    if (booking.status !== 'PENDING' && booking.status !== 'CONFIRMED') {
      throw new BookingError('nothing_to_cancel', `The booking is already ${booking.status}`);
    }
    const given = reason ?? 'cancelled on request';
    const recorded = await recordCancelRequest(tx, bookingId, given);
    if (recorded === 'already-cancelling') throw new BookingError('nothing_to_cancel', `Booking ${bookingId} is already being cancelled`);
    if (recorded === 'already-unwinding') throw new BookingError('nothing_to_cancel', `Booking ${bookingId} is already being undone`);
    await appendOutboxEvent(tx, { bookingId, type: EventType.bookingCancelRequested, data: { bookingId, reason: given }, occurredAt: clock.now() });
    return { status: 'CANCELLING' as const };
  }, transactionOptions);
}
