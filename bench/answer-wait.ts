import type { BenchEnvironment } from './bench-environment.ts';
import { bareOperation } from './engine-comparison.ts';
import { type MeasureContext, type Measurement, measure } from './measure.ts';
import type { BenchPlan } from './options.ts';
import { benchTrip, createBookingClient } from './saga-load.ts';
import { ratio } from './stats.ts';

export interface AnswerWaitResult {
  /** The bare workflow at 1 client, measured just before: start -> result. */
  bare: Measurement;
  /** POST /bookings with `Prefer: wait=N` at 1 client: from the request to the answer with the confirmed booking. */
  answer: Measurement;
  /** answer p50 / bare p50. */
  p50Ratio: number | null;
}

/** How long a client that asks to wait for the outcome waits, beside a bare workflow of 5 no-op activities. */
export async function measureAnswerWait(ctx: MeasureContext, env: BenchEnvironment, plan: BenchPlan): Promise<AnswerWaitResult> {
  const client = createBookingClient(env.apiUrl, 1, env.travelerToken);
  try {
    const bare = await measure(ctx, {
      label: 'bare workflow  c=1 (beside the answer)',
      kind: 'bare',
      concurrency: 1,
      warmupMs: plan.warmupMs,
      measureMs: plan.measureMs,
      operation: bareOperation(env.temporal, env.bareTaskQueue),
    });
    const answer = await measure(ctx, {
      label: 'POST /bookings, Prefer: wait=10  c=1',
      kind: 'saga',
      concurrency: 1,
      warmupMs: plan.warmupMs,
      measureMs: plan.measureMs,
      settleMs: plan.sagaSettleMs,
      operation: async () => {
        const startedAt = performance.now();
        const response = await client.bookAndWait(benchTrip(env.offers), 10);
        if (response.status !== 200) throw new Error(`POST /bookings with wait answered ${response.status}: ${response.body.slice(0, 200)}`);
        const status = (JSON.parse(response.body) as { status: string }).status;
        if (status !== 'CONFIRMED') throw new Error(`the booking ended ${status}`);
        return performance.now() - startedAt;
      },
    });
    return { bare, answer, p50Ratio: ratio(answer.latencyMs.p50, bare.latencyMs.p50) };
  } finally {
    client.close();
  }
}
