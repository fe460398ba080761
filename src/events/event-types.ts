/**
 * Every event tripsaga writes to its outbox, by CloudEvents-style reverse-DNS type.
 * The aggregate is the booking, except for the wallet's events: its id (the booking id, or the wallet's stream id)
 * orders the events the relay publishes. Each type's data schemas, one per version, are in src/events/catalog.ts.
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
  bookingCancelRequested: 'com.tripsaga.booking.cancel-requested',
  bookingConfirmationWithdrawn: 'com.tripsaga.booking.confirmation-withdrawn',
  flightRefused: 'com.tripsaga.flight.refused',
  hotelRefused: 'com.tripsaga.hotel.refused',
  carRefused: 'com.tripsaga.car.refused',
  carSkipped: 'com.tripsaga.car.skipped',
  carSkipUndone: 'com.tripsaga.car.skip-undone',
  paymentDeclined: 'com.tripsaga.payment.declined',
  walletOpened: 'com.tripsaga.wallet.opened',
  walletDeposited: 'com.tripsaga.wallet.deposited',
  walletCharged: 'com.tripsaga.wallet.charged',
  walletRefunded: 'com.tripsaga.wallet.refunded',
} as const;

export type EventType = (typeof EventType)[keyof typeof EventType];

export const walletEventTypes = [EventType.walletOpened, EventType.walletDeposited, EventType.walletCharged, EventType.walletRefunded] as const;

export type WalletEventType = (typeof walletEventTypes)[number];

/** What an event's subject names: the booking (most events), or the wallet's stream (the wallet's own events). */
export function aggregateTypeOf(type: string): 'booking' | 'wallet' {
  return (walletEventTypes as readonly string[]).includes(type) ? 'wallet' : 'booking';
}
