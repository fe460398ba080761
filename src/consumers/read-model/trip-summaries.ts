import type { Prisma, Tx } from '../../db/prisma.ts';
import { EventType } from '../../events/event-types.ts';
import type { ConsumedEvent } from '../consumed-event.ts';
import type { EventConsumer } from '../event-consumer.ts';

type LegKind = 'flight' | 'hotel' | 'car';

export interface TripLeg {
  offerId: string;
  offerName?: string;
  quantity: number;
  /** REQUESTED (asked for, not reserved yet or never), RESERVED, RELEASED (given back). */
  status: 'REQUESTED' | 'RESERVED' | 'RELEASED';
  amount?: number;
  currency?: string;
}

export type TripLegs = Partial<Record<LegKind, TripLeg>>;

/**
 * The CQRS read side: `trip_summaries`, one row per booking, built from the booking's events and nothing else. It
 * answers GET /travelers/:email/trips without touching the tables the saga writes.
 */
export const tripSummariesConsumer: EventConsumer = {
  name: 'trip-summaries',
  handlers: {
    [EventType.bookingRequested]: async (tx, { data, occurredAt }) => {
      const { flight, hotel, car } = data.trip;
      const legs: TripLegs = {
        flight: { ...flight, status: 'REQUESTED' },
        hotel: { ...hotel, status: 'REQUESTED' },
        ...(car ? { car: { ...car, status: 'REQUESTED' as const } } : {}),
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
      if (leg) leg.status = 'RELEASED';
    });
  };
}

async function outcome(tx: Tx, event: ConsumedEvent<'com.tripsaga.booking.confirmed' | 'com.tripsaga.booking.compensated' | 'com.tripsaga.booking.cancelled'>) {
  await summaryOf(tx, event);
  await tx.tripSummary.update({
    where: { bookingId: event.bookingId },
    data: { status: event.data.status, reason: event.data.reason ?? null, updatedAt: event.occurredAt },
  });
}

async function updateLegs(tx: Tx, event: ConsumedEvent, change: (legs: TripLegs) => void) {
  const summary = await summaryOf(tx, event);
  const legs = structuredClone(summary.legs) as TripLegs;
  change(legs);
  const reserved = Object.values(legs).filter((leg) => leg?.status === 'RESERVED');
  await tx.tripSummary.update({
    where: { bookingId: event.bookingId },
    data: {
      legs: legs as Prisma.InputJsonObject,
      totalAmount: reserved.reduce((sum, leg) => sum + (leg?.amount ?? 0), 0),
      currency: reserved[0]?.currency ?? summary.currency,
      updatedAt: event.occurredAt,
    },
  });
}

async function summaryOf(tx: Tx, event: ConsumedEvent) {
  const summary = await tx.tripSummary.findUnique({ where: { bookingId: event.bookingId } });
  // Events are applied in order, so only a dead-lettered booking.requested leaves no row to update.
  if (!summary) throw new Error(`no trip summary for booking ${event.bookingId}: its booking.requested event was not applied`);
  return summary;
}
