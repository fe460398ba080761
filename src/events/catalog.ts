import type { z } from 'zod';
import { EventType } from './event-types.ts';
import { type EventDefinition, defineEvent } from './define-event.ts';
import {
  bookingCancelledV1,
  bookingCompensatedV1,
  bookingConfirmedV1,
  bookingConfirmedV2,
  upcastBookingConfirmedV1,
} from './schemas/booking-outcome.ts';
import { bookingRequestedV1, bookingRequestedV2, upcastBookingRequestedV1 } from './schemas/booking-requested.ts';
import { bookingStatusChangedV1 } from './schemas/booking-status-changed.ts';
import { paymentChargedV1, paymentRefundedV1 } from './schemas/payment-events.ts';
import { cancelRequestedV1, carStepPassedV1, confirmationWithdrawnV1, stepRefusedV1 } from './schemas/choreography-events.ts';
import {
  upcastWalletDepositedV1,
  walletChargedV1,
  walletDepositedV1,
  walletDepositedV2,
  walletOpenedV1,
  walletRefundedV1,
} from './schemas/wallet-events.ts';
import {
  carReleasedV1,
  carReservedV1,
  flightReleasedV1,
  flightReservedV1,
  hotelReleasedV1,
  hotelReservedV1,
} from './schemas/reservation-events.ts';

/**
 * The registry: every event type, each version of its data, and how to read an old version as the newest.
 * Producers write the newest version; `decodeEvent` reads any version listed here.
 */
export const eventCatalog = {
  [EventType.bookingRequested]: defineEvent(
    EventType.bookingRequested,
    { summary: 'The API accepted a booking; its saga is about to start.', style: 'fact' },
    bookingRequestedV1,
  ).next(2, bookingRequestedV2, {
    upcast: upcastBookingRequestedV1,
    breaking:
      'flight.seats, hotel.rooms and car move to trip.{flight,hotel,car}.quantity: v1 readers cannot read v2, so every ' +
      'consumer must know v2 before a producer writes it',
  }),
  [EventType.bookingStatusChanged]: defineEvent(
    EventType.bookingStatusChanged,
    { summary: "The booking's status changed. Ids only: read the booking with GET /bookings/{bookingId}.", style: 'notification' },
    bookingStatusChangedV1,
  ),
  [EventType.bookingConfirmed]: defineEvent(
    EventType.bookingConfirmed,
    { summary: 'Every reservation of the trip is taken: the traveler, what was reserved, and the total.', style: 'state-transfer' },
    bookingConfirmedV1,
  ).next(2, bookingConfirmedV2, { upcast: upcastBookingConfirmedV1 }),
  [EventType.bookingCompensated]: defineEvent(
    EventType.bookingCompensated,
    { summary: 'A step failed and the steps already taken were undone; `reason` says which and why.', style: 'state-transfer' },
    bookingCompensatedV1,
  ),
  [EventType.bookingCancelled]: defineEvent(
    EventType.bookingCancelled,
    { summary: 'The traveler (or an operator) cancelled and every reservation was given back.', style: 'state-transfer' },
    bookingCancelledV1,
  ),
  [EventType.flightReserved]: defineEvent(
    EventType.flightReserved,
    { summary: 'Seats on a flight were taken.', style: 'fact' },
    flightReservedV1,
  ),
  [EventType.flightReleased]: defineEvent(
    EventType.flightReleased,
    { summary: 'Reserved seats were given back.', style: 'fact' },
    flightReleasedV1,
  ),
  [EventType.hotelReserved]: defineEvent(EventType.hotelReserved, { summary: 'Hotel rooms were taken.', style: 'fact' }, hotelReservedV1),
  [EventType.hotelReleased]: defineEvent(
    EventType.hotelReleased,
    { summary: 'Reserved rooms were given back.', style: 'fact' },
    hotelReleasedV1,
  ),
  [EventType.carReserved]: defineEvent(EventType.carReserved, { summary: 'A car was taken.', style: 'fact' }, carReservedV1),
  [EventType.carReleased]: defineEvent(EventType.carReleased, { summary: 'A reserved car was given back.', style: 'fact' }, carReleasedV1),
  [EventType.paymentCharged]: defineEvent(
    EventType.paymentCharged,
    { summary: "The trip's total was charged at the payment provider, after its last reservation.", style: 'fact' },
    paymentChargedV1,
  ),
  [EventType.paymentRefunded]: defineEvent(
    EventType.paymentRefunded,
    { summary: "The trip's charge was paid back in full (the trip was undone).", style: 'fact' },
    paymentRefundedV1,
  ),
  [EventType.bookingCancelRequested]: defineEvent(
    EventType.bookingCancelRequested,
    { summary: 'Choreography: the traveler (or an operator) asked to cancel; the next step to run refuses instead.', style: 'fact' },
    cancelRequestedV1,
  ),
  [EventType.bookingConfirmationWithdrawn]: defineEvent(
    EventType.bookingConfirmationWithdrawn,
    { summary: 'Choreography: the booking service will not confirm, or withdraws its confirmation (a cancel); the payment is undone next.', style: 'fact' },
    confirmationWithdrawnV1,
  ),
  [EventType.flightRefused]: defineEvent(
    EventType.flightRefused,
    { summary: 'Choreography: the flight step refused (sold out, cancelled, timed out); the booking is undone.', style: 'fact' },
    stepRefusedV1,
  ),
  [EventType.hotelRefused]: defineEvent(
    EventType.hotelRefused,
    { summary: 'Choreography: the hotel step refused; the flight service gives its seats back.', style: 'fact' },
    stepRefusedV1,
  ),
  [EventType.carRefused]: defineEvent(
    EventType.carRefused,
    { summary: 'Choreography: the car step refused; the hotel service gives its rooms back.', style: 'fact' },
    stepRefusedV1,
  ),
  [EventType.carSkipped]: defineEvent(
    EventType.carSkipped,
    { summary: 'Choreography: the trip asks for no car; the payment step comes next.', style: 'fact' },
    carStepPassedV1,
  ),
  [EventType.carSkipUndone]: defineEvent(
    EventType.carSkipUndone,
    { summary: 'Choreography: the unwinding passed a trip without a car; the hotel service gives its rooms back.', style: 'fact' },
    carStepPassedV1,
  ),
  [EventType.paymentDeclined]: defineEvent(
    EventType.paymentDeclined,
    { summary: "Choreography: the trip's charge was declined (or refused: cancelled, timed out); the car step is undone.", style: 'fact' },
    stepRefusedV1,
  ),
  [EventType.walletOpened]: defineEvent(
    EventType.walletOpened,
    { summary: "A traveler's wallet was opened, with its opening credit: the first event of the wallet's stream.", style: 'fact' },
    walletOpenedV1,
  ),
  [EventType.walletDeposited]: defineEvent(
    EventType.walletDeposited,
    { summary: 'Money was paid into a wallet.', style: 'fact' },
    walletDepositedV1,
  ).next(2, walletDepositedV2, { upcast: upcastWalletDepositedV1 }),
  [EventType.walletCharged]: defineEvent(
    EventType.walletCharged,
    { summary: "A trip's total was taken from the traveler's wallet by the saga's payment step.", style: 'fact' },
    walletChargedV1,
  ),
  [EventType.walletRefunded]: defineEvent(
    EventType.walletRefunded,
    { summary: "A trip's charge was given back to the wallet in full (the trip was undone).", style: 'fact' },
    walletRefundedV1,
  ),
} satisfies { [T in EventType]: EventDefinition<T> };

export type EventCatalog = typeof eventCatalog;

/** Any set of definitions a decoder can read: the real catalog, or an older one in tests. */
export type AnyEventCatalog = Readonly<Record<string, EventDefinition>>;

/** What a producer hands to the outbox for `T`: the newest version's data. */
export type EventData<T extends EventType> = z.input<EventCatalog[T]['latestSchema']>;

/** What a consumer gets for `T` after decoding and upcasting. */
export type DecodedData<T extends EventType> = z.output<EventCatalog[T]['latestSchema']>;

export function isKnownEventType(type: string): type is EventType {
  return Object.hasOwn(eventCatalog, type);
}
