import { releaseUnitsIn, reserveUnitsIn } from '../../activities/reservations.ts';
import { EventType } from '../events/event-types.ts';
import type { Clock } from '../lib/clock.ts';
import type { StepService } from './step-service.ts';

/** Seats on the flight, once the booking is requested; given back when the hotel could not follow. */
export const flightService = (clock: Clock): StepService => ({
  name: 'choreography-flight',
  step: 'flight',
  runsAfter: [EventType.bookingRequested],
  undoesAfter: [EventType.hotelRefused, EventType.hotelReleased],
  refusal: EventType.flightRefused,
  run: async (tx, { bookingId, request }) => {
    await reserveUnitsIn(tx, clock, 'flight', { bookingId, offerId: request.flight.offerId, quantity: request.flight.seats });
  },
  undo: async (tx, { bookingId }) => {
    await releaseUnitsIn(tx, clock, 'flight', { bookingId });
  },
});
