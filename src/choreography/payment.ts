import type { PaymentMethod } from '../../activities/payment-method.ts';
import { chargePaymentIn, refundPaymentIn } from '../../activities/payments.ts';
import { EventType } from '../events/event-types.ts';
import type { Clock } from '../lib/clock.ts';
import type { StepService } from './step-service.ts';

/** The trip's total, the same charge as the orchestration's, once the car step passed; refunded when the booking withdraws. */
export const paymentService = (clock: Clock, method: PaymentMethod): StepService => ({
  name: 'choreography-payment',
  step: 'payment',
  runsAfter: [EventType.carReserved, EventType.carSkipped],
  undoesAfter: [EventType.bookingConfirmationWithdrawn],
  refusal: EventType.paymentDeclined,
  run: async (tx, { bookingId }) => {
    await chargePaymentIn(tx, clock, method, { bookingId });
  },
  undo: async (tx, { bookingId }) => {
    await refundPaymentIn(tx, clock, method, { bookingId });
  },
});
