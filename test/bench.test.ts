import { describe, expect, it } from 'vitest';
import { measuredWindowMs } from '../bench/closed-loop.ts';
import { parseCpuSeconds, parseStatusKiB } from '../bench/proc-stats.ts';
import { UsageError, parseBenchArgs } from '../bench/options.ts';
import type { Measurement } from '../bench/measure.ts';
import type { BenchResults } from '../bench/results.ts';
import { percentile, ratio, summarizeLatencies } from '../bench/stats.ts';
import { evaluateTargets } from '../bench/targets.ts';

// The benchmark is not a test; these check the arithmetic its figures rest on, in milliseconds.
describe('benchmark arithmetic', () => {
  it('nearest-rank percentiles', () => {
    const samples = Array.from({ length: 100 }, (_, i) => i + 1); // 1..100
    expect(percentile(samples, 50)).toBe(50);
    expect(percentile(samples, 95)).toBe(95);
    expect(percentile(samples, 99)).toBe(99);
    expect(percentile([7], 99)).toBe(7);
    expect(summarizeLatencies([30, 10, 20])).toMatchObject({ count: 3, p50: 20, p99: 30, mean: 20, max: 30 });
    expect(summarizeLatencies([]).count).toBe(0);
  });

  it('a ratio it cannot state is null, not a made-up number', () => {
    expect(ratio(8, 10)).toBe(0.8);
    expect(ratio(8, 0)).toBeNull();
    expect(ratio(Number.NaN, 10)).toBeNull();
  });

  it('the measured window stays open until enough operations completed, within its limit', () => {
    const at = (...times: number[]) => times.map((t) => ({ at: t, latencyMs: 1 }));
    const limits = { measureMs: 1_000, minCompletions: 2, latestCloseMs: 3_000 };
    expect(measuredWindowMs(at(100, 900, 1_500), limits)).toBe(1_000);
    expect(measuredWindowMs(at(900, 1_800, 2_500), limits)).toBe(1_800);
    expect(measuredWindowMs(at(2_900), limits)).toBe(3_000);
  });

  it('reads CPU time and memory the way /proc writes them', () => {
    const stat = '4242 (node (worker)) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 11 0 12345 0 0';
    expect(parseCpuSeconds(stat, 100)).toBe(3);
    expect(parseStatusKiB('Name:\tnode\nVmHWM:\t  204800 kB\nVmRSS:\t  102400 kB\n', 'VmHWM')).toBe(204_800);
  });

  it('parses the command line: --quick is smaller, --out and --concurrency are taken as given', () => {
    const now = new Date('2026-11-27T07:05:09.123Z');
    const quick = parseBenchArgs(['--quick'], now);
    const full = parseBenchArgs(['--out', '/tmp/x.json', '--concurrency', '2,4'], now);
    if (quick === 'help' || full === 'help') throw new Error('unexpected help');
    expect(quick.mode).toBe('quick');
    expect(quick.outPath).toMatch(/bench\/results\/2026-11-27T07-05-09Z-quick\.json$/);
    expect(quick.measureMs).toBeLessThan(full.measureMs);
    expect(full).toMatchObject({ mode: 'full', outPath: '/tmp/x.json', concurrencies: [2, 4] });
    expect(quick.temporalDynamicConfig).toEqual({ 'history.transferProcessorMaxPollRPS': 1000 });
    expect(parseBenchArgs(['--stock-temporal'], now)).toMatchObject({ temporalDynamicConfig: {} });
    expect(parseBenchArgs(['--help'])).toBe('help');
    expect(() => parseBenchArgs(['--concurrency', '0'])).toThrow(UsageError);
    expect(() => parseBenchArgs(['--fast'])).toThrow(UsageError);
  });
});

describe('benchmark targets', () => {
  const measurement = (concurrency: number, throughputPerSecond: number, rss: Record<string, number> = {}) =>
    ({ concurrency, throughputPerSecond, costs: Object.fromEntries(Object.entries(rss).map(([n, r]) => [n, { cpuSeconds: 0, cpuSecondsPer1000: 0, rssMiB: r }])) }) as unknown as Measurement;
  const results = (over: Partial<BenchResults>) => ({ memory: [], failures: [], ...over }) as BenchResults;
  const verdictOf = (r: BenchResults, name: RegExp) => evaluateTargets(r).find((v) => name.test(v.target))!;

  it('says met, missed or not measured from the results, never guesses a figure it lacks', () => {
    const r = results({
      engine: { saga: [], bare: [], ratios: [{ concurrency: 8, sagaPerSecond: 6, barePerSecond: 10, ratio: 0.6 }, { concurrency: 32, sagaPerSecond: 4, barePerSecond: 10, ratio: 0.4 }] },
      referenceRows: {
        naive: [],
        dbos: [],
        skipped: {},
        effects: {},
        ratios: [{ concurrency: 8, sagaPerSecond: 6, naivePerSecond: 7, dbosPerSecond: 5, barePerSecond: 10, sagaOverNaive: 6 / 7, sagaOverDbos: 1.2, sagaOverBare: 0.6 }],
      },
    });
    expect(verdictOf(r, /naive/)).toMatchObject({ verdict: 'met', measured: '86 % at 8' });
    expect(verdictOf(r, /bare throughput/)).toMatchObject({ verdict: 'missed', measured: '60 % at 8, 40 % at 32' });
    expect(verdictOf(r, /DBOS/).verdict).toBe('met');
    expect(verdictOf(r, /CPU per booking/).verdict).toBe('not measured');
    expect(verdictOf(r, /memory/).verdict).toBe('not measured');
    expect(verdictOf(results({}), /naive/).verdict).toBe('not measured');
  });

  it('memory is flat when no process of ours grows by more than the tolerance; the dev server and the driver do not count', () => {
    const level = (bookingsAtStart: number, rss: Record<string, number>) => ({ bookingsAtStart, seededSeconds: 0, storage: {} as never, saga: measurement(32, 4, rss) });
    const flat = results({ growth: [level(1_000, { worker: 500, temporal: 200 }), level(100_000, { worker: 540, temporal: 900 })] });
    expect(verdictOf(flat, /memory/)).toMatchObject({ verdict: 'met', measured: '1000 -> 100000 bookings: largest change worker +8 %' });
    const growing = results({ growth: [level(1_000, { worker: 500, api: 300 }), level(100_000, { worker: 500, api: 400 })] });
    expect(verdictOf(growing, /memory/)).toMatchObject({ verdict: 'missed' });
  });
});
