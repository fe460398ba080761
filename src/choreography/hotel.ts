import { releaseUnitsIn, reserveUnitsIn } from '../../activities/reservations.ts';
import { EventType } from '../events/event-types.ts';
import type { Clock } from '../lib/clock.ts';
import type { StepService } from './step-service.ts';

/** Rooms, once the flight is reserved; given back when the car step could not follow (or was undone). */
export const hotelService = (clock: Clock): StepService => ({
  name: 'choreography-hotel',
  step: 'hotel',
  runsAfter: [EventType.flightReserved],
  undoesAfter: [EventType.carRefused, EventType.carReleased, EventType.carSkipUndone],
  refusal: EventType.hotelRefused,
  run: async (tx, { bookingId, request }) => {
    await reserveUnitsIn(tx, clock, 'hotel', { bookingId, offerId: request.hotel.offerId, quantity: request.hotel.rooms });
  },
  undo: async (tx, { bookingId }) => {
    await releaseUnitsIn(tx, clock, 'hotel', { bookingId });
  },
});
