import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Seconds: one database transaction up to a step that waited out its 10 s start-to-close timeout. */
const stepBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** The bookings whose saga has not settled yet (still PENDING in the database), measured when scraped. */
export interface PendingSagas {
  count: number;
  oldestAgeSeconds: number;
}

/**
 * The saga's metrics, as the worker sees its activities (see src/worker/saga-activity-metrics.ts): outcomes, and how
 * long each step and each compensation takes. The pending gauges are read from the bookings table when scraped, by
 * the probe the worker registers: every worker reports the same figure, so alerts take the max.
 */
export function createSagaMetrics(registry: Registry) {
  const registers = [registry];
  let pendingProbe: (() => Promise<PendingSagas>) | undefined;
  const probed = (name: string, help: string, value: (reading: PendingSagas) => number) =>
    new Gauge({
      name,
      help,
      registers,
      async collect() {
        this.reset();
        const reading = await pendingProbe?.().catch(() => undefined);
        if (reading) this.set(value(reading));
      },
    });
  return {
    outcomes: new Counter({
      name: 'tripsaga_saga_outcomes_total',
      help: 'Sagas that settled, by the status recorded (CONFIRMED, COMPENSATED, CANCELLED) and the step that failed (none unless COMPENSATED)',
      labelNames: ['status', 'failed_step'] as const,
      registers,
    }),
    stepDuration: new Histogram({
      name: 'tripsaga_saga_step_duration_seconds',
      help: 'One attempt of a saga step (phase forward) or of its compensation (phase compensation), by result: ok, rejected (a business failure, not retried) or error (retried)',
      labelNames: ['step', 'phase', 'result'] as const,
      buckets: stepBuckets,
      registers,
    }),
    pending: probed('tripsaga_sagas_pending', 'Bookings still PENDING: their saga has not confirmed or undone them yet', (r) => r.count),
    oldestPending: probed(
      'tripsaga_saga_oldest_pending_age_seconds',
      'Age of the oldest PENDING booking (0 when none): a saga that stays unsettled is stuck',
      (r) => r.oldestAgeSeconds,
    ),
    /** Registers how to count the unsettled bookings (the worker's database). */
    probePending(probe: () => Promise<PendingSagas>) {
      pendingProbe = probe;
    },
  };
}

export type SagaMetrics = ReturnType<typeof createSagaMetrics>;
