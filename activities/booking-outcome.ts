import { type Db, type Tx, transactionOptions } from '../src/db/prisma.ts';
import { reservedTotal } from '../src/lib/money.ts';
import { appendOutboxEvents } from '../src/outbox/append-event.ts';
import { EventType } from '../src/events/event-types.ts';
import type { Clock } from '../src/lib/clock.ts';
import { businessFailure } from './errors.ts';
import { runStepOnceIn } from './run-step-once.ts';
import type { BookingOutcomeInput, BookingOutcomeReceipt, BookingOutcomeStatus } from './types.ts';

/** Where a booking may go from where it is. A confirmed trip can still be cancelled; an undone one is final. */
const allowedFrom: Record<BookingOutcomeStatus, readonly string[]> = {
  CONFIRMED: ['PENDING'],
  COMPENSATED: ['PENDING'],
  CANCELLED: ['PENDING', 'CONFIRMED'],
};

/**
 * Moves a booking to a terminal (or, for CONFIRMED, a settled) status and announces it, in one transaction: the
 * outcome event with the booking's full state, and `booking.status-changed` with its id.
 */
export function recordBookingOutcome(prisma: Db, clock: Clock, input: BookingOutcomeInput): Promise<BookingOutcomeReceipt> {
  return prisma.$transaction((tx) => recordBookingOutcomeIn(tx, clock, input), transactionOptions);
}

/** The same in the caller's transaction: the activity's and the choreographed booking service's. */
export async function recordBookingOutcomeIn(tx: Tx, clock: Clock, { bookingId, status, reason }: BookingOutcomeInput): Promise<BookingOutcomeReceipt> {
  return runStepOnceIn(tx, bookingId, `outcome-${status.toLowerCase()}`, async (tx) => {
    const booking = await tx.booking.findUniqueOrThrow({
      where: { id: bookingId },
      include: { reservations: { orderBy: { createdAt: 'asc' } } },
    });
    if (!allowedFrom[status].includes(booking.status)) {
      throw businessFailure('InvalidStatusTransition', `Booking ${bookingId} is ${booking.status}; it cannot become ${status}`, {
        bookingId,
        from: booking.status,
        to: status,
      });
    }
    const now = clock.now();
    await tx.booking.update({ where: { id: bookingId }, data: { status, failureReason: reason ?? null, updatedAt: now } });
    const settled = {
      bookingId,
      ...(reason ? { reason } : {}),
      traveler: { name: booking.travelerName, email: booking.travelerEmail },
      reservations: booking.reservations.map((r) => ({
        kind: r.kind,
        offerId: r.offerId,
        quantity: r.quantity,
        amount: r.amount,
        currency: r.currency,
        status: r.status,
      })),
    };
    // Both styles, side by side: the full state for consumers that must not call back, the id for those that do.
    const statusChanged = { bookingId, type: EventType.bookingStatusChanged, data: { bookingId }, occurredAt: now } as const;
    if (status === 'CONFIRMED') {
      const data = { ...settled, status, total: reservedTotal(settled.reservations) };
      await appendOutboxEvents(tx, [{ bookingId, type: EventType.bookingConfirmed, data, occurredAt: now }, statusChanged]);
    } else if (status === 'COMPENSATED') {
      await appendOutboxEvents(tx, [{ bookingId, type: EventType.bookingCompensated, data: { ...settled, status }, occurredAt: now }, statusChanged]);
    } else {
      await appendOutboxEvents(tx, [{ bookingId, type: EventType.bookingCancelled, data: { ...settled, status }, occurredAt: now }, statusChanged]);
    }
    return { bookingId, status };
  });
}
