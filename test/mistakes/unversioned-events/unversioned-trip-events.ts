import type { JetStreamClient } from '@nats-io/jetstream';

/**
 * ANTI-PATTERN, kept only to be run by test/mistakes/unversioned-events.test.ts: events as bare JSON with no type
 * version, no schema and no check, so the shape a consumer reads is whatever the producer wrote that day.
 */

export interface ConfirmedTrip {
  bookingId: string;
  flightOfferId: string;
  seats: number;
}

/** The producer as the old consumer was written against: each reservation has a `quantity`. */
export function confirmedTripMessage(trip: ConfirmedTrip) {
  return { bookingId: trip.bookingId, reservations: [{ kind: 'flight', offerId: trip.flightOfferId, quantity: trip.seats }] };
}

/** The same producer after a tidy-up renamed `quantity` to `units`: it still compiles, its own tests still pass. */
export function confirmedTripMessageAfterRename(trip: ConfirmedTrip) {
  return { bookingId: trip.bookingId, reservations: [{ kind: 'flight', offerId: trip.flightOfferId, units: trip.seats }] };
}

export async function publishUnversioned(js: JetStreamClient, subject: string, message: object) {
  await js.publish(subject, JSON.stringify(message));
}

/** The old consumer: seats sold per flight offer, read straight off the message as it was when this was written. */
export function tallySeats(bodies: readonly string[]): Map<string, number> {
  const seats = new Map<string, number>();
  for (const body of bodies) {
    const message = JSON.parse(body) as { reservations: { kind: string; offerId: string; quantity: number }[] };
    for (const r of message.reservations) {
      if (r.kind === 'flight') seats.set(r.offerId, (seats.get(r.offerId) ?? 0) + r.quantity);
    }
  }
  return seats;
}
