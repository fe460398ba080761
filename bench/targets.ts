import { cpuUnderTest } from './report.ts';
import type { BenchResults } from './results.ts';

/** One target's outcome in one run. `not measured`: the run lacks the figures (e.g. --quick has no 32 clients). */
export interface TargetVerdict {
  target: string;
  goal: string;
  measured: string;
  verdict: 'met' | 'missed' | 'not measured';
}

/**
 * A target the benchmark prints with met/missed. `evaluate` reads the results and returns what it saw and whether
 * that meets the goal, or a reason it could not tell. Add a target by adding an entry to `targets`.
 */
export interface Target {
  target: string;
  goal: string;
  evaluate(results: BenchResults): { measured: string; met: boolean } | { notMeasured: string };
}

const pct = (x: number) => `${(x * 100).toFixed(0)} %`;

function ratioAt(results: BenchResults, concurrency: number, pick: 'sagaOverNaive' | 'sagaOverBare' | 'sagaOverDbos'): number | null | undefined {
  if (pick === 'sagaOverBare') return results.engine?.ratios.find((r) => r.concurrency === concurrency)?.ratio;
  return results.referenceRows?.ratios.find((r) => r.concurrency === concurrency)?.[pick];
}

function throughputRatio(label: string, pick: 'sagaOverNaive' | 'sagaOverBare' | 'sagaOverDbos', concurrencies: number[], atLeast: number): Target {
  return {
    target: `tripsaga / ${label} throughput`,
    goal: `>= ${atLeast.toFixed(2)} at ${concurrencies.join(' and ')} clients`,
    evaluate(results) {
      const seen = concurrencies.map((c) => ({ c, r: ratioAt(results, c, pick) }));
      const missing = seen.filter((s) => s.r === null || s.r === undefined).map((s) => s.c);
      if (missing.length === seen.length) {
        return { notMeasured: `no ratio at ${missing.join(', ')} clients (not measured, or a row completed nothing in its window)` };
      }
      const measured = seen.map((s) => `${s.r === null || s.r === undefined ? '-' : pct(s.r)} at ${s.c}`).join(', ');
      const met = missing.length === 0 && seen.every((s) => (s.r ?? 0) >= atLeast);
      return { measured: measured + (missing.length ? ` (not measured at ${missing.join(', ')})` : ''), met };
    },
  };
}

/** Processes whose memory is ours to keep flat: not the driver, not the dev server's in-memory store, not PostgreSQL. */
const notOurs = new Set(['bench-driver', 'temporal']);
export const flatMemoryTolerance = 0.1;

export const targets: Target[] = [
  throughputRatio('naive', 'sagaOverNaive', [8], 0.8),
  throughputRatio('bare', 'sagaOverBare', [8, 32], 0.5),
  {
    target: 'tripsaga CPU per booking / bare workflow CPU per workflow',
    goal: '<= 2.5x (everything under test, over all saga and bare measurements)',
    evaluate(results) {
      const saga = results.cost && cpuUnderTest(results.cost.sagaPer1000Bookings);
      const bare = results.cost && cpuUnderTest(results.cost.barePer1000Workflows);
      if (!saga || !bare) return { notMeasured: 'no CPU figures for both' };
      return { measured: `${(saga / bare).toFixed(2)}x (${saga.toFixed(1)} vs ${bare.toFixed(1)} CPU s / 1k)`, met: saga / bare <= 2.5 };
    },
  },
  throughputRatio('DBOS', 'sagaOverDbos', [8], 1.0),
  {
    target: 'memory flat as bookings grow',
    goal: `RSS of each process of ours within +${pct(flatMemoryTolerance)}, first growth level to last`,
    evaluate(results) {
      const levels = results.growth ?? [];
      if (levels.length < 2) return { notMeasured: 'fewer than two growth levels' };
      const first = levels[0]!;
      const last = levels[levels.length - 1]!;
      const growth = Object.entries(last.saga.costs)
        .filter(([name, cost]) => !notOurs.has(name) && cost.rssMiB !== null && first.saga.costs[name]?.rssMiB)
        .map(([name, cost]) => ({ name, change: cost.rssMiB! / first.saga.costs[name]!.rssMiB! - 1 }))
        .sort((a, b) => b.change - a.change);
      if (growth.length === 0) return { notMeasured: 'no memory readings' };
      const worst = growth[0]!;
      return {
        measured: `${first.bookingsAtStart} -> ${last.bookingsAtStart} bookings: largest change ${worst.name} ${worst.change >= 0 ? '+' : ''}${pct(worst.change)}`,
        met: worst.change <= flatMemoryTolerance,
      };
    },
  },
];

export function evaluateTargets(results: BenchResults, list: readonly Target[] = targets): TargetVerdict[] {
  return list.map((t) => {
    const outcome = t.evaluate(results);
    return 'notMeasured' in outcome
      ? { target: t.target, goal: t.goal, measured: outcome.notMeasured, verdict: 'not measured' }
      : { target: t.target, goal: t.goal, measured: outcome.measured, verdict: outcome.met ? 'met' : 'missed' };
  });
}
