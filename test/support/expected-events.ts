/**
 * The outbox events of a trip with a flight, a hotel and a car that is confirmed, in commit order (types without the
 * `com.tripsaga.` prefix, as Harness.eventTypes returns them). Several suites assert this exact sequence.
 */
export const confirmedTripEvents = [
  'booking.requested',
  'booking.status-changed',
  'flight.reserved',
  'hotel.reserved',
  'car.reserved',
  'payment.charged',
  'booking.confirmed',
  'booking.status-changed',
] as const;
