import { releaseUnitsIn, reserveUnitsIn } from '../../activities/reservations.ts';
import { EventType } from '../events/event-types.ts';
import type { Clock } from '../lib/clock.ts';
import { appendOutboxEvent } from '../outbox/append-event.ts';
import type { StepService } from './step-service.ts';

/**
 * A car, once the hotel is reserved; given back when the payment could not follow (or was refunded). A trip without
 * a car still passes through here, both ways (`car.skipped`, `car.skip-undone`): the services around it need not
 * know whether the trip has one.
 */
export const carService = (clock: Clock): StepService => ({
  name: 'choreography-car',
  step: 'car',
  runsAfter: [EventType.hotelReserved],
  undoesAfter: [EventType.paymentDeclined, EventType.paymentRefunded],
  refusal: EventType.carRefused,
  run: async (tx, { bookingId, request }) => {
    if (request.car) await reserveUnitsIn(tx, clock, 'car', { bookingId, offerId: request.car.offerId, quantity: 1 });
    else await appendOutboxEvent(tx, { bookingId, type: EventType.carSkipped, data: { bookingId }, occurredAt: clock.now() });
  },
  undo: async (tx, { bookingId, request }) => {
    if (request.car) await releaseUnitsIn(tx, clock, 'car', { bookingId });
    else await appendOutboxEvent(tx, { bookingId, type: EventType.carSkipUndone, data: { bookingId }, occurredAt: clock.now() });
  },
});
