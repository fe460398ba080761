import { z } from 'zod';
import { bookingId } from './common.ts';

/**
 * The events only a choreographed trip has (docs/patterns/choreography.md): with no orchestrator to tell a service
 * that the step after it failed, the refusal itself must be an event, and so must a cancel request.
 */

/** A step said no: the services before it hear this and undo their own steps. */
export const stepRefusedV1 = z.object({
  bookingId,
  errorType: z.string().min(1).describe('why, as a code: OfferSoldOut, PaymentDeclined, Cancelled, StepTimedOut...'),
  reason: z.string().describe('one line a person can act on, e.g. "car: OfferSoldOut: Compact is sold out: 1 wanted, 0 of 0 left"'),
});

export const cancelRequestedV1 = z.object({
  bookingId,
  reason: z.string().describe('as the traveler or operator gave it, or "cancelled on request"'),
});

/** The booking service will not confirm (or no longer stands by its confirmation): the payment is undone first. */
export const confirmationWithdrawnV1 = stepRefusedV1;

/** The trip asks for no car: the car step passes the trip on (and, undone, passes the unwinding back). */
export const carStepPassedV1 = z.object({ bookingId });
