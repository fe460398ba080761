import type { Prisma, Tx } from '../../db/prisma.ts';
import { EventType } from '../../events/event-types.ts';
import { type LegKind, type TripLegs, summaryTotal } from '../../read-model/trip-summary.ts';
import type { ConsumedEvent } from '../consumed-event.ts';
import type { EventConsumer } from '../event-consumer.ts';

/**
 * The CQRS read side: `trip_summaries` (src/read-model/trip-summary.ts), one row per booking, built from the booking's
 * events and nothing else. It answers GET /travelers/:email/trips without touching the tables the saga writes, and
 * says what GET /bookings/:id says: the same words for legs and payment, the same money.
 */
export const tripSummariesConsumer: EventConsumer = {
  name: 'trip-summaries',
  handlers: {
    [EventType.bookingRequested]: async (tx, { data, occurredAt }) => {
      const { flight, hotel, car } = data.trip;
      const legs: TripLegs = {
        flight: { ...flight, status: 'PENDING' },
        hotel: { ...hotel, status: 'PENDING' },
        ...(car ? { car: { ...car, status: 'PENDING' as const } } : {}),
      };
      await tx.tripSummary.create({
        data: {
          bookingId: data.bookingId,
          travelerEmail: data.traveler.email.toLowerCase(),
          travelerName: data.traveler.name,
          status: 'PENDING',
          legs: legs as Prisma.InputJsonObject,
          totalAmount: 0,
          requestedAt: occurredAt,
          updatedAt: occurredAt,
        },
      });
    },
    [EventType.flightReserved]: legReserved,
    [EventType.hotelReserved]: legReserved,
    [EventType.carReserved]: legReserved,
    [EventType.flightReleased]: legReleased('flight'),
    [EventType.hotelReleased]: legReleased('hotel'),
    [EventType.carReleased]: legReleased('car'),
    [EventType.paymentCharged]: async (tx, event) => {
      const { amount, currency } = event.data;
      await updateSummary(tx, event, { paymentStatus: 'CHARGED', totalAmount: amount, currency, updatedAt: event.occurredAt });
    },
    [EventType.paymentRefunded]: async (tx, event) => {
      await updateSummary(tx, event, { paymentStatus: 'REFUNDED', updatedAt: event.occurredAt });
    },
    [EventType.bookingConfirmed]: outcome,
    [EventType.bookingCompensated]: outcome,
    [EventType.bookingCancelled]: outcome,
  },
};

async function legReserved(tx: Tx, event: ConsumedEvent<'com.tripsaga.flight.reserved' | 'com.tripsaga.hotel.reserved' | 'com.tripsaga.car.reserved'>) {
  const { data } = event;
  await updateLegs(tx, event, (legs) => {
    legs[data.kind] = {
      offerId: data.offerId,
      offerName: data.offerName,
      quantity: data.quantity,
      status: 'RESERVED',
      amount: data.amount,
      currency: data.currency,
    };
  });
}

function legReleased(kind: LegKind) {
  return async (tx: Tx, event: ConsumedEvent) => {
    await updateLegs(tx, event, (legs) => {
      const leg = legs[kind];
      if (leg) leg.status = 'CANCELLED';
    });
  };
}

/** The booking settled: a leg the saga never reached was never taken, as the booking API says (NOT_RESERVED). */
async function outcome(tx: Tx, event: ConsumedEvent<'com.tripsaga.booking.confirmed' | 'com.tripsaga.booking.compensated' | 'com.tripsaga.booking.cancelled'>) {
  await updateLegs(
    tx,
    event,
    (legs) => {
      for (const leg of Object.values(legs)) if (leg?.status === 'PENDING') leg.status = 'NOT_RESERVED';
    },
    { status: event.data.status, reason: event.data.reason ?? null },
  );
}

async function updateLegs(tx: Tx, event: ConsumedEvent, change: (legs: TripLegs) => void, also: Prisma.TripSummaryUpdateInput = {}) {
  const summary = await summaryOf(tx, event);
  const legs = structuredClone(summary.legs) as TripLegs;
  change(legs);
  const charge = summary.paymentStatus ? { amount: summary.totalAmount, currency: summary.currency ?? '' } : undefined;
  const total = summaryTotal(legs, charge);
  const priced = charge !== undefined || Object.values(legs).some((leg) => leg?.status === 'RESERVED');
  await tx.tripSummary.update({
    where: { bookingId: event.bookingId },
    data: { ...also, legs: legs as Prisma.InputJsonObject, totalAmount: total.amount, currency: priced ? total.currency : summary.currency, updatedAt: event.occurredAt },
  });
}

async function summaryOf(tx: Tx, event: ConsumedEvent) {
  const summary = await tx.tripSummary.findUnique({ where: { bookingId: event.bookingId } });
  if (!summary) throw missingSummary(event);
  return summary;
}

/** A change that needs nothing read first: one statement, and the count says whether the row was there. */
async function updateSummary(tx: Tx, event: ConsumedEvent, data: Prisma.TripSummaryUpdateManyMutationInput) {
  const { count } = await tx.tripSummary.updateMany({ where: { bookingId: event.bookingId }, data });
  if (count === 0) throw missingSummary(event);
}

// Events are applied in order, so only a dead-lettered booking.requested leaves no row to update.
function missingSummary(event: ConsumedEvent) {
  return new Error(`no trip summary for booking ${event.bookingId}: its booking.requested event was not applied`);
}
