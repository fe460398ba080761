import { DBOS } from '@dbos-inc/dbos-sdk';
import { ApplicationFailure } from '@temporalio/common';
import type { BookingActivities, ReservationKind } from '../../activities/index.ts';
import type { BookTripInput } from '../../workflows/messages.ts';
import { reservationOrder } from '../../workflows/trip-plan.ts';

const reserve = { flight: 'reserveFlight', hotel: 'reserveHotel', car: 'reserveCar' } as const;
const cancel = { flight: 'cancelFlight', hotel: 'cancelHotel', car: 'cancelCar' } as const;

/** As the Temporal saga's activities retry: transient errors with backoff, business rejections never. */
const retries = {
  retriesAllowed: true,
  intervalSeconds: 0.1,
  backoffRate: 2,
  maxAttempts: 10,
  shouldRetry: (error: unknown) => !(error instanceof ApplicationFailure && error.nonRetryable),
};

export const cancelTopic = 'cancel';

/**
 * The booking saga on DBOS Transact, for the benchmark's peer-engine row: the same steps in the same order (three
 * reserves, the charge, the confirm), each one of the real activity functions (the same transactions, idempotency
 * records and outbox rows), its compensations in reverse order on a business failure, then the cancellation window
 * as a durable wait for a message. DBOS checkpoints each step's result in its system database (PostgreSQL) where
 * Temporal records it in the workflow's history.
 */
export function registerDbosBookTrip(activities: BookingActivities, cancellationWindowSeconds: number) {
  return DBOS.registerWorkflow(
    async (input: BookTripInput): Promise<string> => {
      const { bookingId } = input;
      const undo: { name: string; run: () => Promise<unknown> }[] = [];
      const unwind = async (status: 'COMPENSATED' | 'CANCELLED', reason: string) => {
        for (const step of undo) await DBOS.runStep(step.run, { name: step.name, ...retries });
        await DBOS.runStep(() => activities.recordBookingOutcome({ bookingId, status, reason }), { name: `record-${status.toLowerCase()}`, ...retries });
        return status;
      };
      try {
        for (const { kind, step } of reservationOrder(input)) {
          undo.unshift({ name: `cancel-${kind}`, run: () => activities[cancel[kind as ReservationKind]]({ bookingId }) });
          await DBOS.runStep(() => activities[reserve[kind]]({ bookingId, offerId: step.offerId, quantity: step.quantity }), { name: `reserve-${kind}`, ...retries });
        }
        undo.unshift({ name: 'refund-payment', run: () => activities.refundPayment({ bookingId }) });
        await DBOS.runStep(() => activities.chargePayment({ bookingId }), { name: 'charge-payment', ...retries });
        await DBOS.runStep(() => activities.recordBookingOutcome({ bookingId, status: 'CONFIRMED' }), { name: 'confirm', ...retries });
      } catch (error) {
        return unwind('COMPENSATED', (error as Error).message);
      }
      const cancelRequest = await DBOS.recv<string>(cancelTopic, cancellationWindowSeconds);
      return cancelRequest === null ? 'CONFIRMED' : unwind('CANCELLED', cancelRequest);
    },
    { name: 'bookTrip' },
  );
}
