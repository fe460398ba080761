import { recordBookingOutcomeIn } from '../../activities/booking-outcome.ts';
import { closeStep, rememberCause, unwindCause } from '../bookings/choreography-records.ts';
import type { EventHandler } from '../consumers/event-consumer.ts';
import { EventType } from '../events/event-types.ts';
import type { Clock } from '../lib/clock.ts';
import { appendOutboxEvent } from '../outbox/append-event.ts';
import { choreographed, type StepService } from './step-service.ts';

type Refusal = typeof EventType.flightRefused | typeof EventType.hotelRefused | typeof EventType.carRefused | typeof EventType.paymentDeclined;

/**
 * The booking service: it confirms once the trip is paid, and settles the booking once the unwinding has come back to
 * the flight, the first step. It hears the refusals only to tell the traveler why (the reason of the first one it
 * hears, or of a cancel heard before it, is the booking's `failureReason`); the services undo themselves.
 */
export const bookingService = (clock: Clock): StepService => {
  const heardRefusal: EventHandler<Refusal> = choreographed(async (tx, { bookingId }, event) => {
    await rememberCause(tx, bookingId, { status: 'COMPENSATED', reason: event.data.reason });
  });
  const settle = choreographed(async (tx, { bookingId }) => {
    const cause = (await unwindCause(tx, bookingId)) ?? { status: 'COMPENSATED' as const, reason: 'undone without a recorded cause' };
    await recordBookingOutcomeIn(tx, clock, { bookingId, status: cause.status, reason: cause.reason });
  });
  return {
    name: 'choreography-booking',
    step: 'confirm',
    runsAfter: [EventType.paymentCharged],
    undoesAfter: [],
    refusal: EventType.bookingConfirmationWithdrawn,
    run: async (tx, { bookingId }) => {
      await recordBookingOutcomeIn(tx, clock, { bookingId, status: 'CONFIRMED' });
    },
    undo: async () => {},
    alsoHears: {
      [EventType.hotelRefused]: heardRefusal,
      [EventType.carRefused]: heardRefusal,
      [EventType.paymentDeclined]: heardRefusal,
      [EventType.flightRefused]: async (tx, event, loaded) => {
        await heardRefusal(tx, event, loaded);
        await settle(tx, event, loaded);
      },
      [EventType.flightReleased]: settle,
      [EventType.bookingCancelRequested]: choreographed(async (tx, { bookingId, status }, event) => {
        const { reason } = event.data;
        await rememberCause(tx, bookingId, { status: 'CANCELLED', reason });
        // Confirmed already: the confirmation is withdrawn, and the payment (the step before it) is refunded first.
        if (status === 'CONFIRMED') {
          const withdrawn = { bookingId, errorType: 'Cancelled', reason: `confirm: Cancelled: ${reason}` };
          await appendOutboxEvent(tx, { bookingId, type: EventType.bookingConfirmationWithdrawn, data: withdrawn, occurredAt: clock.now() });
        } else {
          await closeStep(tx, bookingId, 'confirm', { errorType: 'Cancelled', reason: `confirm: Cancelled: ${reason}` });
        }
      }),
    },
  };
};
