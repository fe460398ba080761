/**
 * Every event tripsaga writes to its outbox, by CloudEvents-style reverse-DNS type.
 * The aggregate is always the booking: its id orders the events the relay publishes.
 * Each type's data schemas, one per version, are in src/events/catalog.ts.
 */
export const EventType = {
  bookingRequested: 'com.tripsaga.booking.requested',
  bookingStatusChanged: 'com.tripsaga.booking.status-changed',
  bookingConfirmed: 'com.tripsaga.booking.confirmed',
  bookingCompensated: 'com.tripsaga.booking.compensated',
  bookingCancelled: 'com.tripsaga.booking.cancelled',
  flightReserved: 'com.tripsaga.flight.reserved',
  flightReleased: 'com.tripsaga.flight.released',
  hotelReserved: 'com.tripsaga.hotel.reserved',
  hotelReleased: 'com.tripsaga.hotel.released',
  carReserved: 'com.tripsaga.car.reserved',
  carReleased: 'com.tripsaga.car.released',
  paymentCharged: 'com.tripsaga.payment.charged',
  paymentRefunded: 'com.tripsaga.payment.refunded',
} as const;

export type EventType = (typeof EventType)[keyof typeof EventType];
