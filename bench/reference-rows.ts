import { setTimeout as sleep } from 'node:timers/promises';
import { type ThrowawayDatabase, createThrowawayDatabase, defaultAdminDatabaseUrl } from '../src/db/throwaway-database.ts';
import { freePort } from '../src/lib/free-port.ts';
import { natsTopology } from '../src/transport/jetstream/topology.ts';
import { type BenchEnvironment, deleteStreams, postgresBackends } from './bench-environment.ts';
import { type RunningProcess, startNodeProcess } from './child-process.ts';
import { watchBookingOutcomes } from './confirmation-watcher.ts';
import { type MeasureContext, type Measurement, measure, warmUp } from './measure.ts';
import { type MeasuredProcess, singleProcess } from './measured-processes.ts';
import type { BenchPlan } from './options.ts';
import { RecentBookings, createBookingClient, sagaOperation } from './saga-load.ts';
import { ratio } from './stats.ts';

/**
 * Two reference rows beside the saga, measured in the same run at the same concurrencies:
 * - naive: the same trip done the common wrong way (bench/naive-saga/: events published after the commit, no
 *   outbox, no idempotency records, consumers without an inbox), on the same Temporal workflow: what the three cost;
 * - dbos: the same five steps, the same activity functions, on DBOS Transact instead of Temporal (bench/dbos-saga/),
 *   its system database on the same PostgreSQL server: the engine a user might pick instead.
 */
export interface ReferenceRows {
  naive: Measurement[];
  dbos: Measurement[];
  /** Why a row was not measured (e.g. no NATS server for the naive one). */
  skipped: { naive?: string; dbos?: string };
  /**
   * The consumers' effects found for the last confirmed bookings of each row once its events had time to arrive:
   * the same effects as tripsaga's, or the row would not be the same work.
   */
  effects: Partial<Record<'naive' | 'dbos', ConsumerEffects>>;
  /** tripsaga bookings/s over each row's at each concurrency (tripsaga and bare from the engine comparison). */
  ratios: {
    concurrency: number;
    sagaPerSecond: number;
    naivePerSecond: number | null;
    dbosPerSecond: number | null;
    barePerSecond: number | null;
    sagaOverNaive: number | null;
    sagaOverDbos: number | null;
    sagaOverBare: number | null;
  }[];
}

export interface ConsumerEffects {
  bookings: number;
  tripSummaries: number;
  emails: number;
  notifications: number;
  walletStatementLines: number;
}

interface ReferenceApp {
  name: 'naive' | 'dbos';
  apiUrl: string;
  processes: RunningProcess[];
  measured: MeasuredProcess[];
  stop(): Promise<void>;
}

export async function measureReferenceRows(
  ctx: MeasureContext,
  env: BenchEnvironment,
  plan: BenchPlan,
  engine: { saga: readonly Measurement[]; bare: readonly Measurement[] } | undefined,
): Promise<ReferenceRows> {
  const rows: ReferenceRows = { naive: [], dbos: [], skipped: {}, effects: {}, ratios: [] };
  // One row at a time: the other's idle processes and connections stay out of its measurements (the shared
  // PostgreSQL server has a connection limit, and every process of ours holds a pool).
  for (const [name, start] of [['naive', startNaiveApp], ['dbos', startDbosApp]] as const) {
    ctx.progress.log(`  starting the ${name === 'naive' ? 'naive saga (app + consumers)' : 'saga on DBOS'}`);
    let app: ReferenceApp;
    try {
      app = await start(env);
    } catch (error) {
      rows.skipped[name] = (error as Error).message.split('\n')[0]!;
      ctx.progress.log(`  ${name}: ${rows.skipped[name]}`);
      continue;
    }
    const watcher = watchBookingOutcomes(env.db);
    const client = createBookingClient(app.apiUrl, Math.max(...plan.concurrencies), env.travelerToken);
    const rowCtx: MeasureContext = { ...ctx, measured: [...ctx.measured, ...app.measured] };
    const confirmed = new RecentBookings(100);
    try {
      // Its first bookings pay for JIT, pools, DBOS's schema or the workflow bundle, as the saga's warm-up did.
      await warmUp(rowCtx, `warming up: ${name}, unmeasured`, plan.systemWarmupMs / 2, [{ concurrency: 8, operation: sagaOperation(client, watcher, env.offers) }]);
      await sleep(plan.sagaSettleMs);
      for (const concurrency of plan.concurrencies) {
        rows[name].push(
          await measure(rowCtx, {
            label: `${name === 'naive' ? 'naive saga   ' : 'DBOS saga    '}  c=${concurrency}`,
            kind: 'saga',
            concurrency,
            warmupMs: plan.warmupMs,
            measureMs: plan.measureMs,
            operation: sagaOperation(client, watcher, env.offers, confirmed),
            settleMs: plan.sagaSettleMs,
          }),
        );
      }
      rows.effects[name] = await settledEffects(env, confirmed.list());
    } finally {
      client.close();
      await watcher.stop();
      await app.stop().catch((error: Error) => ctx.progress.log(`  stopping ${name}: ${error.message}`));
    }
  }
  for (const concurrency of plan.concurrencies) {
    const at = (list: readonly Measurement[] | undefined) => list?.find((m) => m.concurrency === concurrency)?.throughputPerSecond ?? null;
    const saga = at(engine?.saga);
    if (saga === null) continue;
    const naive = at(rows.naive);
    const dbos = at(rows.dbos);
    const bare = at(engine?.bare);
    rows.ratios.push({
      concurrency,
      sagaPerSecond: saga,
      naivePerSecond: naive,
      dbosPerSecond: dbos,
      barePerSecond: bare,
      sagaOverNaive: naive === null ? null : ratio(saga, naive),
      sagaOverDbos: dbos === null ? null : ratio(saga, dbos),
      sagaOverBare: bare === null ? null : ratio(saga, bare),
    });
  }
  return rows;
}

/** The naive app (front + worker on a task queue of its own) and its consumers, on subjects of their own. */
async function startNaiveApp(env: BenchEnvironment): Promise<ReferenceApp> {
  if ('skipped' in env.pipeline) throw new Error(`not measured: ${env.pipeline.skipped}`);
  const { natsUrl } = env.pipeline;
  const topology = natsTopology(`${env.pipeline.topology.root}_naive`);
  const port = await freePort();
  const naiveEnv = { ...env.childEnv, NATS_URL: natsUrl, NATS_SUBJECT_ROOT: topology.root, TEMPORAL_TASK_QUEUE: `${env.sagaTaskQueue}-naive` };
  const outcomes = await Promise.allSettled([
    startNodeProcess({ name: 'naive-app', entry: 'bench/naive-saga/naive-app-main.ts', env: { ...naiveEnv, PORT: String(port) }, logDir: env.logDir, readyLine: /listening on/ }),
    startNodeProcess({
      name: 'naive-consumers',
      entry: 'bench/naive-saga/naive-consumers-main.ts',
      env: { ...naiveEnv, API_BASE_URL: env.apiUrl },
      logDir: env.logDir,
      readyLine: /"msg":"running/,
    }),
  ]);
  const processes = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
  const stop = async () => {
    await Promise.all(processes.map((p) => p.stop()));
    await deleteStreams(natsUrl, topology);
  };
  const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
  if (failed) {
    await stop();
    throw failed.reason;
  }
  return { name: 'naive', apiUrl: `http://127.0.0.1:${port}`, processes, measured: processes.map((p) => singleProcess(p.name, p.pid)), stop };
}

/** The DBOS app, its system database a throwaway one on the same server (dropped with the row). */
async function startDbosApp(env: BenchEnvironment): Promise<ReferenceApp> {
  const systemDb: ThrowawayDatabase = await createThrowawayDatabase('tripsaga_bench_dbos', process.env.BENCH_PG_ADMIN_URL ?? defaultAdminDatabaseUrl);
  const port = await freePort();
  let app: RunningProcess;
  try {
    app = await startNodeProcess({
      name: 'dbos-app',
      entry: 'bench/dbos-saga/dbos-app-main.ts',
      env: { ...env.childEnv, PORT: String(port), DBOS_SYSTEM_DATABASE_URL: systemDb.url },
      logDir: env.logDir,
      readyLine: /listening on/,
    });
  } catch (error) {
    await systemDb.drop();
    throw error;
  }
  return {
    name: 'dbos',
    apiUrl: `http://127.0.0.1:${port}`,
    processes: [app],
    measured: [singleProcess('dbos-app', app.pid), postgresBackends(env.db, systemDb.name, 'postgres (DBOS system db)')],
    stop: async () => {
      await app.stop();
      await systemDb.drop();
    },
  };
}

/** The effects once the last events arrived (the relay or the naive consumers may be a little behind): 10 s at most. */
async function settledEffects(env: BenchEnvironment, bookingIds: readonly string[]): Promise<ConsumerEffects> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const effects = await countEffects(env, bookingIds);
    const all = [effects.tripSummaries, effects.emails, effects.notifications, effects.walletStatementLines].every((n) => n >= effects.bookings);
    if (all || Date.now() > deadline) return effects;
    await sleep(500);
  }
}

async function countEffects(env: BenchEnvironment, bookingIds: readonly string[]): Promise<ConsumerEffects> {
  const { rows } = await env.db.query<Omit<ConsumerEffects, 'bookings'>>(
    `SELECT (SELECT count(*)::int FROM trip_summaries WHERE booking_id = ANY($1)) AS "tripSummaries",
            (SELECT count(*)::int FROM outgoing_emails WHERE booking_id = ANY($1)) AS "emails",
            (SELECT count(*)::int FROM trip_notifications WHERE booking_id = ANY($1)) AS "notifications",
            (SELECT count(*)::int FROM wallet_statement_entries WHERE booking_id = ANY($1)) AS "walletStatementLines"`,
    [[...bookingIds]],
  );
  return { bookings: bookingIds.length, ...rows[0]! };
}
