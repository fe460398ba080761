import { ApplicationFailure } from '@temporalio/common';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import type { BookingActivities, BookingOutcomeInput } from '../../activities/index.ts';
import type { SagaMetrics } from '../metrics/saga-metrics.ts';

type Phase = 'forward' | 'compensation';

/** Which step each activity is, and whether it moves the trip forward or undoes it. A new activity must say. */
const stepOf = {
  reserveFlight: ['flight', 'forward'],
  reserveHotel: ['hotel', 'forward'],
  reserveCar: ['car', 'forward'],
  chargePayment: ['payment', 'forward'],
  cancelFlight: ['flight', 'compensation'],
  cancelHotel: ['hotel', 'compensation'],
  cancelCar: ['car', 'compensation'],
  refundPayment: ['payment', 'compensation'],
  // The confirm step; recording COMPENSATED or CANCELLED is the last act of the unwinding (step `outcome`).
  recordBookingOutcome: ['confirm', 'forward'],
} as const satisfies Record<keyof BookingActivities, readonly [string, Phase]>;

function resultOf(error: unknown): 'rejected' | 'error' {
  return error instanceof ApplicationFailure && error.nonRetryable ? 'rejected' : 'error';
}

/**
 * Measures the saga where its effects happen: in the worker, around each activity attempt. Workflow code stays free of
 * side effects, and a replay (which runs no activity) counts nothing. An outcome is counted when recording it
 * succeeds; a retry after a completion the server never heard of (a worker dying between commit and report) finds
 * the recorded result and counts it again, so the counter may run over by such rare retries, never under.
 */
export function sagaActivityMetrics(metrics: SagaMetrics): ActivityInterceptorsFactory {
  return (context) => ({
    inbound: {
      async execute(input, next) {
        const type = context.info.activityType as keyof BookingActivities;
        const known = stepOf[type] as (typeof stepOf)[keyof typeof stepOf] | undefined;
        if (!known) return next(input);
        const outcome = type === 'recordBookingOutcome' ? (input.args[0] as BookingOutcomeInput) : undefined;
        const [step, phase] = outcome && outcome.status !== 'CONFIRMED' ? (['outcome', 'compensation'] as const) : known;
        const stop = metrics.stepDuration.startTimer({ step, phase });
        try {
          const result = await next(input);
          stop({ result: 'ok' });
          if (outcome) metrics.outcomes.inc({ status: outcome.status, failed_step: outcome.failedStep ?? 'none' });
          return result;
        } catch (error) {
          stop({ result: resultOf(error) });
          throw error;
        }
      },
    },
  });
}
