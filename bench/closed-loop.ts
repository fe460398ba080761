import { setTimeout as sleep } from 'node:timers/promises';
import type { ProgressTick } from './progress.ts';
import { type LatencySummary, summarizeLatencies } from './stats.ts';

export interface ClosedLoopOptions {
  concurrency: number;
  /** Completions during the warm-up are not counted: connections, caches and JIT settle first. */
  warmupMs: number;
  measureMs: number;
  /**
   * The window stays open past measureMs until this many operations completed in it (at most maxMeasureMs): on a
   * slow or busy machine a few-second window could otherwise close before the first slow operation finishes.
   */
  minCompletions?: number;
  maxMeasureMs?: number;
  /** One operation; resolves with its latency in ms (the operation decides where its clock starts and stops). */
  operation: () => Promise<OperationTiming>;
  /** How long to wait for operations still running when the measured window closes. */
  drainTimeoutMs?: number;
  onTick?: (tick: ProgressTick) => void;
}

/** A latency, or a latency with named parts of it (e.g. a saga's accept time and the rest). */
export type OperationTiming = number | { latencyMs: number; partsMs: Record<string, number> };

export interface ClosedLoopResult {
  concurrency: number;
  measuredSeconds: number;
  /** Completions inside the measured window, per second. */
  throughputPerSecond: number;
  latencyMs: LatencySummary;
  /** The named parts of the latency, when the operation reports them. */
  partsMs?: Record<string, LatencySummary>;
  /** Every completion of the run, warm-up and drain included: the denominator for per-operation costs. */
  totalCompleted: number;
  errors: number;
  errorSamples: string[];
}

interface Completion {
  /** ms since the window opened */
  at: number;
  latencyMs: number;
  partsMs?: Record<string, number>;
}

/**
 * `concurrency` clients, each starting its next operation as soon as the previous one finished (closed loop), so
 * throughput is what the system sustains with that many requests in flight and latency is not inflated by a queue
 * that an open-loop generator would build in front of it.
 */
export async function runClosedLoop(options: ClosedLoopOptions): Promise<ClosedLoopResult> {
  const { concurrency, warmupMs, measureMs, operation, drainTimeoutMs = 60_000, onTick } = options;
  const { minCompletions = 0, maxMeasureMs = measureMs } = options;
  const startedAt = performance.now();
  const windowOpens = startedAt + warmupMs;
  const latestCloseMs = Math.max(measureMs, maxMeasureMs);
  const completions: Completion[] = [];
  const errorSamples: string[] = [];
  let totalCompleted = 0;
  let errors = 0;

  const keepGoing = () => {
    const sinceOpen = performance.now() - windowOpens;
    return sinceOpen < measureMs || (completions.length < minCompletions && sinceOpen < latestCloseMs);
  };

  async function client() {
    while (keepGoing()) {
      try {
        const timing = await operation();
        totalCompleted += 1;
        const at = performance.now() - windowOpens;
        if (at >= 0) completions.push(typeof timing === 'number' ? { at, latencyMs: timing } : { at, ...timing });
      } catch (error) {
        errors += 1;
        if (errorSamples.length < 5) errorSamples.push((error as Error).message ?? String(error));
        // A failing dependency would otherwise turn this loop into a busy spin.
        await sleep(50);
      }
    }
  }

  const ticker = setInterval(() => onTick?.({ elapsedMs: performance.now() - startedAt, done: totalCompleted, errors }), 100);
  const clients = Promise.all(Array.from({ length: concurrency }, client));
  const drained = await Promise.race([clients.then(() => true), sleep(warmupMs + latestCloseMs + drainTimeoutMs).then(() => false)]);
  clearInterval(ticker);
  if (!drained) errorSamples.push(`some operations were still running ${drainTimeoutMs} ms after the window closed`);

  const windowMs = measuredWindowMs(completions, { measureMs, minCompletions, latestCloseMs });
  const counted = completions.filter((c) => c.at <= windowMs);
  return {
    concurrency,
    measuredSeconds: windowMs / 1000,
    throughputPerSecond: counted.length / (windowMs / 1000),
    latencyMs: summarizeLatencies(counted.map((c) => c.latencyMs)),
    ...summarizeParts(counted),
    totalCompleted,
    errors,
    errorSamples,
  };
}

/**
 * measureMs, unless fewer than minCompletions completed by then: then up to the completion that made minCompletions
 * (or latestCloseMs, if that never came).
 */
export function measuredWindowMs(
  completions: readonly Completion[],
  { measureMs, minCompletions, latestCloseMs }: { measureMs: number; minCompletions: number; latestCloseMs: number },
): number {
  const times = completions.map((c) => c.at).sort((a, b) => a - b);
  const inFixedWindow = times.filter((t) => t <= measureMs).length;
  if (inFixedWindow >= minCompletions) return measureMs;
  const reached = times[minCompletions - 1];
  return reached !== undefined && reached <= latestCloseMs ? Math.max(reached, measureMs) : latestCloseMs;
}

function summarizeParts(completions: readonly Completion[]): { partsMs?: Record<string, LatencySummary> } {
  const names = new Set(completions.flatMap((c) => Object.keys(c.partsMs ?? {})));
  if (names.size === 0) return {};
  return {
    partsMs: Object.fromEntries(
      [...names].map((name) => [name, summarizeLatencies(completions.flatMap((c) => (c.partsMs?.[name] === undefined ? [] : [c.partsMs[name]!])))]),
    ),
  };
}
