import { setTimeout as sleep } from 'node:timers/promises';
import { type ClosedLoopResult, type OperationTiming, runClosedLoop } from './closed-loop.ts';
import { type MeasuredProcess, type ProcessCost, costBetween, snapshotUsage } from './measured-processes.ts';
import type { Progress } from './progress.ts';
import type { SagaHealth } from './saga-health.ts';

/** What the operations were: sagas and bare workflows run in the long-lived processes, the rest in the driver. */
export type MeasurementKind = 'saga' | 'bare' | 'database' | 'jetstream';

export interface Measurement extends ClosedLoopResult {
  label: string;
  kind: MeasurementKind;
  /** CPU each measured process spent during this measurement (warm-up, window, drain and settle). */
  costs: Record<string, ProcessCost>;
  /** Sagas only: retries and timeouts found in the histories of the last sagas measured. */
  sagaHealth?: SagaHealth;
}

export interface MeasureContext {
  progress: Progress;
  measured: readonly MeasuredProcess[];
  /** Called after each measurement, e.g. to record memory against the number of bookings. */
  afterEach?: (measurement: Measurement) => Promise<void>;
}

export interface MeasureOptions {
  label: string;
  kind: MeasurementKind;
  concurrency: number;
  warmupMs: number;
  measureMs: number;
  operation: () => Promise<OperationTiming>;
  /** Work the operations leave behind (e.g. sagas closing after their cancellation window) that belongs to their cost. */
  settleMs?: number;
}

export async function measure(ctx: MeasureContext, options: MeasureOptions): Promise<Measurement> {
  const { label, kind, concurrency, warmupMs, measureMs, operation, settleMs = 0 } = options;
  const before = await snapshotUsage(ctx.measured);
  const bar = ctx.progress.start(label, warmupMs + measureMs);
  // (the bar's total is the planned time; a window that had to stay open longer just runs past it)
  const result = await runClosedLoop({
    concurrency,
    warmupMs,
    measureMs,
    // Every client completes at least once in the window, however slow the machine (within reason).
    minCompletions: concurrency,
    maxMeasureMs: measureMs * 3,
    operation,
    onTick: (tick) => bar.update(tick),
  });
  const { p50, p99 } = result.latencyMs;
  bar.finish(
    `${result.throughputPerSecond.toFixed(1)}/s, p50 ${fmt(p50)} ms, p99 ${fmt(p99)} ms` +
      (result.errors ? `, ${result.errors} errors (${result.errorSamples[0] ?? ''})` : ''),
  );
  if (settleMs > 0) await sleep(settleMs);
  const after = await snapshotUsage(ctx.measured);
  const measurement: Measurement = { label, kind, ...result, costs: costBetween(before, after, result.totalCompleted, ctx.measured) };
  await ctx.afterEach?.(measurement);
  return measurement;
}

function fmt(value: number): string {
  return Number.isFinite(value) ? value.toFixed(1) : '-';
}

/** Runs operations unmeasured, with a progress bar: see BenchPlan.systemWarmupMs. */
export async function warmUp(ctx: MeasureContext, label: string, durationMs: number, loads: { concurrency: number; operation: () => Promise<OperationTiming> }[]) {
  const bar = ctx.progress.start(label, durationMs);
  const done = new Map<number, { done: number; errors: number }>();
  const runs = await Promise.all(
    loads.map((load, i) =>
      runClosedLoop({
        ...load,
        warmupMs: 0,
        measureMs: durationMs,
        onTick: (tick) => {
          done.set(i, tick);
          const all = [...done.values()];
          bar.update({ elapsedMs: tick.elapsedMs, done: all.reduce((n, t) => n + t.done, 0), errors: all.reduce((n, t) => n + t.errors, 0) });
        },
      }),
    ),
  );
  const errors = runs.flatMap((r) => r.errorSamples);
  bar.finish(`${runs.reduce((n, r) => n + r.totalCompleted, 0)} operations${errors.length ? `; errors: ${errors.slice(0, 2).join(' | ')}` : ''}`);
}
