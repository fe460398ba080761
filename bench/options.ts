import path from 'node:path';
import { parseArgs } from 'node:util';
import { responsiveDevServerConfig } from '../src/temporal/dev-server.ts';

/** What one run measures and for how long. `--quick` is a smoke run that finishes in under a minute. */
export interface BenchPlan {
  mode: 'quick' | 'full';
  concurrencies: number[];
  /**
   * Before the first measurement, sagas and bare workflows run unmeasured for this long: the first ones pay for
   * workflow sandboxes, JIT, connection pools and caches, which no later booking pays again.
   */
  systemWarmupMs: number;
  /** Before any load: how much CPU each process uses doing nothing, to read the per-1,000 costs against. */
  idleMs: number;
  /** Each closed-loop measurement: a warm-up whose completions are not counted, then the measured window. */
  warmupMs: number;
  measureMs: number;
  /** The database-only measurements reach a steady state much sooner than the sagas. */
  dbMeasureMs: number;
  growth: { bookingLevels: number[]; concurrency: number };
  jetstream: { concurrencies: number[]; measureMs: number };
  /** The outbox pipeline: a steady event rate for `seconds`, then a backlog of `backlogTrips` trips committed at once. */
  pipeline: { targetEventsPerSecond: number; seconds: number; backlogTrips: number; settleTimeoutMs: number };
  /** GET /bookings/:id at `connections` connections while `bookingClients` keep booking. */
  reads: { connections: number; bookingClients: number };
  /** Offers per kind the bookings spread over, so one hot inventory row does not become the whole story. */
  offersPerKind: number;
  /** Short, so confirmed sagas close soon after their measurement instead of piling up in the worker. */
  cancellationWindow: string;
  /** Waited after each saga measurement: the window above plus a margin, so closing sagas are charged to it. */
  sagaSettleMs: number;
  /**
   * Dynamic configuration for the benchmark's Temporal dev server. The dev server runs one history shard, and that
   * shard's transfer queue reader polls at most 20 times a second by default, so every hop of a lone workflow
   * (workflow task -> activity -> workflow task ...) waits up to 50 ms: 4 activities took ~450 ms instead of ~60 ms.
   * A cluster spreads workflows over hundreds of shards, each with its own reader, so we lift the cap;
   * --stock-temporal keeps the dev server's defaults.
   */
  temporalDynamicConfig: Record<string, number>;
  outPath: string;
  /** Run the worker, the API, the relay and the consumers with --cpu-prof; the profiles land next to the results file. */
  profile: boolean;
  /** Run every process with tracing on, exporting to an OTLP endpoint in the driver (tracing-sink.ts). */
  tracing: boolean;
}

export const usage = `Usage: npm run bench -- [--quick] [--out FILE] [--concurrency 1,8,32,128] [--duration SECONDS] [--profile] [--stock-temporal] [--tracing]

  --quick          smoke run, under a minute: fewer and shorter measurements
  --out FILE       where to write the results (default bench/results/<date>.json)
  --concurrency    closed-loop client counts for the saga, bare-workflow and database measurements
  --duration       measured seconds per saga/bare measurement (a warm-up comes before each)
  --profile        write V8 CPU profiles of the worker, the API, the relay and the consumers (node --cpu-prof) next to the results
  --stock-temporal run the Temporal dev server with its defaults (its single shard then adds up to 50 ms per task)
  --tracing        every process traces (OTEL_EXPORTER_OTLP_ENDPOINT set), exporting to a sink in the driver
`;

export class UsageError extends Error {}


export function parseBenchArgs(argv: readonly string[], now = new Date()): BenchPlan | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        quick: { type: 'boolean', default: false },
        out: { type: 'string' },
        concurrency: { type: 'string' },
        duration: { type: 'string' },
        profile: { type: 'boolean', default: false },
        'stock-temporal': { type: 'boolean', default: false },
        tracing: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values } = parsed;
  if (values.help) return 'help';

  const quick = values.quick === true;
  const plan: BenchPlan = quick
    ? {
        mode: 'quick',
        concurrencies: [8],
        systemWarmupMs: 2_000,
        idleMs: 500,
        warmupMs: 500,
        measureMs: 1_500,
        dbMeasureMs: 1_000,
        growth: { bookingLevels: [1_000, 2_000], concurrency: 8 },
        jetstream: { concurrencies: [32], measureMs: 1_000 },
        pipeline: { targetEventsPerSecond: 200, seconds: 1.5, backlogTrips: 40, settleTimeoutMs: 5_000 },
        reads: { connections: 200, bookingClients: 4 },
        offersPerKind: 50,
        cancellationWindow: '300ms',
        sagaSettleMs: 800,
        temporalDynamicConfig: { ...responsiveDevServerConfig },
        outPath: '',
        profile: false,
        tracing: false,
      }
    : {
        mode: 'full',
        concurrencies: [1, 8, 32, 128],
        systemWarmupMs: 15_000,
        idleMs: 5_000,
        warmupMs: 3_000,
        measureMs: 15_000,
        dbMeasureMs: 8_000,
        growth: { bookingLevels: [1_000, 10_000, 100_000], concurrency: 32 },
        jetstream: { concurrencies: [1, 32, 128], measureMs: 5_000 },
        pipeline: { targetEventsPerSecond: 200, seconds: 20, backlogTrips: 1_000, settleTimeoutMs: 60_000 },
        reads: { connections: 200, bookingClients: 4 },
        offersPerKind: 50,
        cancellationWindow: '1 second',
        sagaSettleMs: 1_500,
        temporalDynamicConfig: { ...responsiveDevServerConfig },
        outPath: '',
        profile: false,
        tracing: false,
      };

  if (values.concurrency !== undefined) plan.concurrencies = parsePositiveIntegers(values.concurrency, '--concurrency');
  if (values.duration !== undefined) {
    const seconds = Number(values.duration);
    if (!Number.isFinite(seconds) || seconds <= 0) throw new UsageError(`--duration must be a positive number of seconds, got "${values.duration}"`);
    plan.measureMs = Math.round(seconds * 1000);
  }
  plan.profile = values.profile === true;
  plan.tracing = values.tracing === true;
  if (values['stock-temporal']) plan.temporalDynamicConfig = {};
  plan.outPath = path.resolve(values.out ?? path.join('bench', 'results', `${resultsStamp(now)}${quick ? '-quick' : ''}${plan.tracing ? '-tracing' : ''}.json`));
  return plan;
}

function parsePositiveIntegers(list: string, flag: string): number[] {
  const numbers = list.split(',').map((part) => Number(part.trim()));
  if (numbers.length === 0 || numbers.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new UsageError(`${flag} takes a comma-separated list of positive whole numbers, got "${list}"`);
  }
  return numbers;
}

/** 2026-11-27T07-05-09Z: sortable and safe in a file name. */
export function resultsStamp(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/:/g, '-');
}
