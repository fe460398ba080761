import { type Db, type Tx, transactionOptions } from '../src/db/prisma.ts';
import { appendOutboxEvent } from '../src/outbox/append-event.ts';
import { EventType } from '../src/events/event-types.ts';
import type { Clock } from '../src/lib/clock.ts';
import { businessFailure } from './errors.ts';
import { runStepOnceIn } from './run-step-once.ts';
import type { ReleaseInput, ReleaseReceipt, ReservationKind, ReservationReceipt, ReserveInput } from './types.ts';

const reservedEvent = {
  flight: EventType.flightReserved,
  hotel: EventType.hotelReserved,
  car: EventType.carReserved,
} as const;

const releasedEvent = {
  flight: EventType.flightReleased,
  hotel: EventType.hotelReleased,
  car: EventType.carReleased,
} as const;

const reserveStep = (kind: ReservationKind) => `reserve-${kind}`;
const releaseStep = (kind: ReservationKind) => `cancel-${kind}`;

/**
 * Takes `quantity` units of an offer for a booking: the inventory decrement, the reservation row and its outbox event
 * commit together. The decrement is conditional (`available >= quantity`), so racing bookings can never oversell.
 */
export function reserveUnits(prisma: Db, clock: Clock, kind: ReservationKind, input: ReserveInput): Promise<ReservationReceipt> {
  return prisma.$transaction((tx) => reserveUnitsIn(tx, clock, kind, input), transactionOptions);
}

/** The step itself, in the caller's transaction: the activity's and the choreographed flight/hotel/car services'. */
export async function reserveUnitsIn(
  tx: Tx,
  clock: Clock,
  kind: ReservationKind,
  { bookingId, offerId, quantity }: ReserveInput,
): Promise<ReservationReceipt> {
  // A late attempt of a step whose compensation already ran (e.g. an attempt that outlived its timeout)
  // must not take units that nobody will ever give back.
  const unlessCompensated = {
    step: releaseStep(kind),
    refusal: () => businessFailure('StepAlreadyCompensated', `The ${kind} step of booking ${bookingId} was already undone`, { bookingId, kind }),
  };
  return runStepOnceIn(tx, bookingId, reserveStep(kind), async (tx) => {
    // The happy path is one statement; only a refusal reads the offer again, to say why.
    const [offer] = await tx.offer.updateManyAndReturn({
      where: { id: offerId, kind, available: { gte: quantity } },
      data: { available: { decrement: quantity } },
      select: { name: true, priceAmount: true, currency: true },
    });
    if (!offer) throw await whyNotTaken(tx, kind, offerId, quantity);
    const amount = offer.priceAmount * quantity;
    const reservation = await tx.reservation.create({
      data: { bookingId, kind, offerId, quantity, amount, currency: offer.currency, createdAt: clock.now() },
    });
    const receipt: ReservationReceipt = {
      reservationId: reservation.id,
      kind,
      offerId,
      offerName: offer.name,
      quantity,
      amount,
      currency: offer.currency,
    };
    await appendOutboxEvent(tx, {
      bookingId,
      type: reservedEvent[kind],
      data: { bookingId, ...receipt },
      occurredAt: clock.now(),
    });
    return receipt;
  }, unlessCompensated);
}

/** The business failure for an offer the conditional decrement did not take units from. */
async function whyNotTaken(tx: Tx, kind: ReservationKind, offerId: string, quantity: number) {
  const offer = await tx.offer.findUnique({ where: { id: offerId } });
  if (!offer) return businessFailure('OfferNotFound', `No ${kind} offer ${offerId}`, { offerId, kind });
  if (offer.kind !== kind) {
    return businessFailure('OfferKindMismatch', `Offer ${offerId} is a ${offer.kind}, not a ${kind}`, { offerId, kind });
  }
  return businessFailure('OfferSoldOut', `${offer.name} is sold out: ${quantity} wanted, ${offer.available} of ${offer.capacity} left`, {
    offerId,
    kind,
    wanted: quantity,
    available: offer.available,
  });
}

/**
 * Compensation: gives a reservation's units back. Safe to run for a step that never took effect (or took effect
 * after all, if its outcome was unknown): it records what it found, and a retry returns that same answer.
 */
export function releaseUnits(prisma: Db, clock: Clock, kind: ReservationKind, input: ReleaseInput): Promise<ReleaseReceipt> {
  return prisma.$transaction((tx) => releaseUnitsIn(tx, clock, kind, input), transactionOptions);
}

export async function releaseUnitsIn(tx: Tx, clock: Clock, kind: ReservationKind, { bookingId }: ReleaseInput): Promise<ReleaseReceipt> {
  return runStepOnceIn(tx, bookingId, releaseStep(kind), async (tx): Promise<ReleaseReceipt> => {
    const reservation = await tx.reservation.findUnique({ where: { bookingId_kind: { bookingId, kind } } });
    if (!reservation || reservation.status === 'CANCELLED') return { kind, outcome: 'nothing-to-undo' };
    const now = clock.now();
    await tx.reservation.update({ where: { id: reservation.id }, data: { status: 'CANCELLED', cancelledAt: now } });
    await tx.offer.update({
      where: { id: reservation.offerId },
      data: { available: { increment: reservation.quantity } },
    });
    const receipt: ReleaseReceipt = {
      kind,
      outcome: 'released',
      offerId: reservation.offerId,
      quantity: reservation.quantity,
    };
    await appendOutboxEvent(tx, {
      bookingId,
      type: releasedEvent[kind],
      data: { bookingId, reservationId: reservation.id, offerId: reservation.offerId, quantity: reservation.quantity },
      occurredAt: now,
    });
    return receipt;
  });
}
