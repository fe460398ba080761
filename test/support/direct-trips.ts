import { randomUUID } from 'node:crypto';
import { createActivities } from '../../activities/index.ts';
import { confirmedTripEvents } from './expected-events.ts';
import type { Harness } from './harness.ts';

export type TripEnding = 'confirmed' | 'compensated';

/**
 * Makes a trip's events through the real write paths without running its saga: the booking service accepts it
 * (booking row + booking.requested), then the saga's own activities run its steps, one transaction each. Fast and
 * deterministic, for tests about what happens to events after they are committed. Needs a harness without a worker.
 */
export async function directTrip(h: Harness, offers: { flight: string; hotel: string; car: string }, ending: TripEnding = 'confirmed') {
  const activities = createActivities({ prisma: h.prisma });
  const request = {
    traveler: { name: 'Grace Hopper', email: `grace+${randomUUID().slice(0, 8)}@example.com` },
    flight: { offerId: offers.flight, seats: 1 },
    hotel: { offerId: offers.hotel, rooms: 1 },
    car: { offerId: offers.car },
  };
  const bookingId = await h.book(request);
  await activities.reserveFlight({ bookingId, offerId: offers.flight, quantity: 1 });
  await activities.reserveHotel({ bookingId, offerId: offers.hotel, quantity: 1 });
  if (ending === 'confirmed') {
    await activities.reserveCar({ bookingId, offerId: offers.car, quantity: 1 });
    await activities.chargePayment({ bookingId });
    await activities.recordBookingOutcome({ bookingId, status: 'CONFIRMED' });
  } else {
    await activities.cancelHotel({ bookingId });
    await activities.cancelFlight({ bookingId });
    await activities.recordBookingOutcome({ bookingId, status: 'COMPENSATED', reason: 'car: OfferSoldOut: test' });
  }
  // Each way adds booking.requested and booking.status-changed at the start and the outcome with its status-changed;
  // a confirmed trip is the saga's happy path (confirmedTripEvents), payment.charged included. Its charge also opened
  // the new traveler's wallet: wallet.opened and wallet.charged, announced under the wallet's stream id.
  return {
    bookingId,
    email: request.traveler.email,
    events: ending === 'confirmed' ? confirmedTripEvents.length : 8,
    walletEvents: ending === 'confirmed' ? 2 : 0,
  };
}

/** Offers big enough for many direct trips. */
export async function roomyOffers(h: Harness) {
  const offers = await h.tripOffers({ flight: 100_000, hotel: 100_000, car: 100_000 });
  return { flight: offers.flight.id, hotel: offers.hotel.id, car: offers.car.id };
}

export async function waitUntil<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 30_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
}

/** 1, 2, ... n for a booking with n committed events: the per-booking order every transport must reproduce. */
export async function expectedSequences(h: Harness, bookingId: string) {
  const count = await h.prisma.outboxEvent.count({ where: { aggregateId: bookingId } });
  return Array.from({ length: count }, (_, i) => i + 1);
}
