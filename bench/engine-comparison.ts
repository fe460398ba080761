import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import type { bareWorkflow } from './bare-workflow/workflows.ts';
import type { BenchEnvironment } from './bench-environment.ts';
import { watchBookingOutcomes } from './confirmation-watcher.ts';
import { type MeasureContext, type Measurement, measure, warmUp } from './measure.ts';
import type { BenchPlan } from './options.ts';
import { inspectSagaHistories } from './saga-health.ts';
import { RecentBookings, createBookingClient, sagaOperation } from './saga-load.ts';
import { ratio } from './stats.ts';

export interface EngineComparison {
  saga: Measurement[];
  bare: Measurement[];
  /** tripsaga bookings/s over bare workflows/s at each concurrency: what the real work costs on top of the engine. */
  ratios: { concurrency: number; sagaPerSecond: number; barePerSecond: number; ratio: number | null }[];
}

/**
 * At each concurrency, the bare workflow then the saga, back to back on the same server, so the ratio compares two
 * measurements taken under the same conditions (on a busy machine, the load drifts between minutes, not seconds).
 */
export async function compareWithBareEngine(ctx: MeasureContext, env: BenchEnvironment, plan: BenchPlan): Promise<EngineComparison> {
  const watcher = watchBookingOutcomes(env.db);
  const client = createBookingClient(env.apiUrl, Math.max(...plan.concurrencies), env.travelerToken);
  const comparison: EngineComparison = { saga: [], bare: [], ratios: [] };
  try {
    for (const concurrency of plan.concurrencies) {
      const bare = await measure(ctx, {
        label: `bare workflow  c=${concurrency}`,
        kind: 'bare',
        concurrency,
        warmupMs: plan.warmupMs,
        measureMs: plan.measureMs,
        operation: bareOperation(env.temporal, env.bareTaskQueue),
      });
      const confirmed = new RecentBookings();
      const saga = await measure(ctx, {
        label: `tripsaga saga  c=${concurrency}`,
        kind: 'saga',
        concurrency,
        warmupMs: plan.warmupMs,
        measureMs: plan.measureMs,
        operation: sagaOperation(client, watcher, env.offers, confirmed),
        settleMs: plan.sagaSettleMs,
      });
      saga.sagaHealth = await inspectSagaHistories(env.temporal, confirmed.list());
      comparison.bare.push(bare);
      comparison.saga.push(saga);
      comparison.ratios.push({
        concurrency,
        sagaPerSecond: saga.throughputPerSecond,
        barePerSecond: bare.throughputPerSecond,
        ratio: ratio(saga.throughputPerSecond, bare.throughputPerSecond),
      });
    }
  } finally {
    client.close();
    await watcher.stop();
  }
  return comparison;
}

/**
 * Sagas and bare workflows, unmeasured: the first ones pay for workflow sandboxes, JIT, connection pools and caches,
 * which no later booking pays again. Ends when the last saga has closed.
 */
export async function warmUpSystem(ctx: MeasureContext, env: BenchEnvironment, plan: BenchPlan): Promise<void> {
  const watcher = watchBookingOutcomes(env.db);
  const client = createBookingClient(env.apiUrl, 8, env.travelerToken);
  try {
    await warmUp(ctx, 'warming up: sagas and bare workflows, unmeasured', plan.systemWarmupMs, [
      { concurrency: 8, operation: sagaOperation(client, watcher, env.offers) },
      { concurrency: 8, operation: bareOperation(env.temporal, env.bareTaskQueue) },
    ]);
  } finally {
    client.close();
    await watcher.stop();
  }
  await sleep(plan.sagaSettleMs);
}

/** Start -> completed, as Temporal's own samples and benchmarks time a workflow. */
export function bareOperation(temporal: Client, taskQueue: string) {
  return async (): Promise<number> => {
    const startedAt = performance.now();
    await temporal.workflow.execute<typeof bareWorkflow>('bareWorkflow', { taskQueue, workflowId: `bare-${randomUUID()}`, args: [] });
    return performance.now() - startedAt;
  };
}
