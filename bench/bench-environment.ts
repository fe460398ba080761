import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import type { Client } from '@temporalio/client';
import pg from 'pg';
import { embeddedIssuer } from '../src/auth/embedded-issuer.ts';
import { loadConfig } from '../src/config.ts';
import { type DataProtection, loadDataProtection } from '../src/data-protection/data-protection.ts';
import { generatedKeyEnvironment } from '../src/data-protection/keys.ts';
import { applyMigrations, pgExecutor } from '../src/db/migrations.ts';
import { isNatsReachable } from '../src/transport/jetstream/connection.ts';
import { type NatsTopology, natsTopology } from '../src/transport/jetstream/topology.ts';
import { createThrowawayDatabase, defaultAdminDatabaseUrl } from '../src/db/throwaway-database.ts';
import { ensureTemporalCli } from '../src/temporal/cli.ts';
import { connectClient } from '../src/temporal/connection.ts';
import { freePort } from '../src/lib/free-port.ts';
import { startTemporalDevServer } from '../src/temporal/dev-server.ts';
import { devServerSearchAttributes } from '../src/temporal/search-attributes.ts';
import { type RunningProcess, startNodeProcess } from './child-process.ts';
import { type MeasuredProcess, singleProcess } from './measured-processes.ts';
import type { BenchPlan } from './options.ts';
import type { Progress } from './progress.ts';
import { defaultNatsUrl } from './jetstream-publish.ts';
import { type OfferPool, seedOffers } from './seed.ts';
import { startTracingSink } from './tracing-sink.ts';

const benchConnectionName = 'tripsaga-bench';

export interface BenchEnvironment {
  databaseUrl: string;
  databaseName: string;
  /** The benchmark's own connections (seeding, watching outcomes), apart from the app's pools. */
  db: pg.Pool;
  offers: OfferPool;
  temporalAddress: string;
  temporal: Client;
  /** The keys every process of the run shares (passed to the children in their environment). */
  protection: DataProtection;
  apiUrl: string;
  /** A token the API accepts for this traveler (signed with the run's own key, which the API verifies against). */
  travelerToken(email: string): Promise<string>;
  sagaTaskQueue: string;
  bareTaskQueue: string;
  /**
   * The event pipeline as deployed (a relay process and a consumers process) on streams of this run's own, or why it
   * is not running (no NATS server answered): the sagas then run without it and the pipeline figures say so.
   */
  pipeline: { natsUrl: string; topology: NatsTopology } | { skipped: string };
  /**
   * Holds the relay and the consumers still (SIGSTOP) until the returned function resumes them: for a measurement of
   * the database alone. Their events wait in the outbox and on the stream meanwhile.
   */
  pausePipeline(): () => void;
  /** Every process whose CPU and memory the benchmark reads. */
  measured: MeasuredProcess[];
  /** The environment every app process of the run starts with (database, Temporal, keys, signing key's folder). */
  childEnv: Record<string, string>;
  /** The child processes' output; kept when something fails, so the error can point at it. */
  logDir: string;
  stop(): Promise<void>;
}

/**
 * One throwaway PostgreSQL database, one Temporal dev server (in-memory, headless), and the app as it is deployed:
 * the worker and the API as separate processes, plus the bare workflow's worker. Everything is torn down by stop(),
 * also when setup fails halfway.
 */
export async function startBenchEnvironment(plan: BenchPlan, progress: Progress, profileDir?: string): Promise<BenchEnvironment> {
  const cleanups: (() => Promise<unknown>)[] = [];
  let stopping: Promise<void> | undefined;
  // Once, however often it is called (the end of the run and a Ctrl-C may both ask).
  const stop = () =>
    (stopping ??= (async () => {
      for (const cleanup of [...cleanups].reverse()) await cleanup().catch((error: Error) => progress.log(`  cleanup: ${error.message}`));
    })());
  const log = (line: string) => progress.log(`  ${line}`);

  try {
    const logDir = await mkdtemp(path.join(os.tmpdir(), 'tripsaga-bench-'));
    const database = await createThrowawayDatabase('tripsaga_bench', process.env.BENCH_PG_ADMIN_URL ?? defaultAdminDatabaseUrl);
    cleanups.push(() => database.drop());
    log(`database ${database.name}; process logs in ${logDir}`);
    const migrator = new pg.Client({ connectionString: database.url });
    await migrator.connect();
    await applyMigrations(pgExecutor(migrator), { log: () => {} });
    await migrator.end();

    const db = new pg.Pool({ connectionString: database.url, max: 4, application_name: benchConnectionName });
    cleanups.push(() => db.end());
    const offers = await seedOffers(db, plan.offersPerKind);

    const devServer = await startTemporalDevServer({
      cliPath: await ensureTemporalCli({ log }),
      uiPort: null,
      searchAttributes: devServerSearchAttributes(),
      dynamicConfig: plan.temporalDynamicConfig,
      log,
    });
    cleanups.push(() => devServer.stop());

    const runId = randomBytes(4).toString('hex');
    const sagaTaskQueue = `bench-saga-${runId}`;
    const bareTaskQueue = `bench-bare-${runId}`;
    const apiPort = await freePort();
    const natsUrl = process.env.NATS_URL ?? defaultNatsUrl;
    // Streams named for this run: a shared NATS server (tests, `npm start`) keeps its own streams untouched.
    const topology = natsTopology(`tripsaga_bench_${runId}`);
    const pipeline = (await isNatsReachable(natsUrl)) ? { natsUrl, topology } : { skipped: `no NATS server answered at ${natsUrl}` };
    if ('skipped' in pipeline) log(`event pipeline not started: ${pipeline.skipped}`);
    else cleanups.push(() => deleteStreams(natsUrl, topology));
    // The run's signing key, where the API and the consumers look for it: the API verifies the clients' tokens, the
    // consumers sign their calls back. No write limit and no saga cap: the load is the point.
    const dataDir = path.join(logDir, 'data');
    const issuer = (await embeddedIssuer(loadConfig({}).auth, dataDir, { create: true }))!;
    // --tracing: every process exports its spans to a sink here; its stop reports how much they sent.
    const tracingSink = plan.tracing ? await startTracingSink() : undefined;
    if (tracingSink) {
      log(`tracing on: every process exports OTLP to ${tracingSink.endpoint}`);
      cleanups.push(async () => {
        const { requests, bytes } = tracingSink.received();
        log(`tracing: the processes sent ${requests} OTLP requests, ${(bytes / 1024 / 1024).toFixed(1)} MiB of spans`);
        await tracingSink.stop();
      });
    }
    const keyEnvironment = generatedKeyEnvironment();
    const protection = await loadDataProtection({ env: keyEnvironment, dataDir: '' });
    const common = {
      TRIPSAGA_DATA_DIR: dataDir,
      RATE_LIMIT_WRITES: '0',
      MAX_RUNNING_SAGAS_PER_TRAVELER: '0',
      DATABASE_URL: database.url,
      TEMPORAL_ADDRESS: devServer.address,
      TEMPORAL_NAMESPACE: devServer.namespace,
      MIGRATE_ON_START: 'false',
      ...keyEnvironment,
      BOOKING_CANCELLATION_WINDOW: plan.cancellationWindow,
      // As the Dockerfile runs them.
      NODE_ENV: 'production',
      ...(tracingSink ? { OTEL_EXPORTER_OTLP_ENDPOINT: tracingSink.endpoint } : {}),
    };
    // A directory per process: Node writes one profile per thread (tsx's module loader runs in a thread of its own).
    const profileArgs = (name: string) => (profileDir ? ['--cpu-prof', `--cpu-prof-dir=${path.join(profileDir, name)}`] : []);

    const started = await Promise.allSettled([
      startNodeProcess({
        name: 'worker',
        entry: 'src/entrypoints/worker.ts',
        env: { ...common, TEMPORAL_TASK_QUEUE: sagaTaskQueue },
        logDir,
        readyLine: /polling task queue/,
        nodeArgs: profileArgs('worker'),
      }),
      startNodeProcess({
        name: 'api',
        entry: 'src/entrypoints/api.ts',
        env: { ...common, TEMPORAL_TASK_QUEUE: sagaTaskQueue, PORT: String(apiPort) },
        logDir,
        readyLine: /listening on/,
        nodeArgs: profileArgs('api'),
      }),
      startNodeProcess({
        name: 'bare-worker',
        entry: 'bench/bare-workflow/worker-main.ts',
        env: { ...common, TEMPORAL_TASK_QUEUE: bareTaskQueue },
        logDir,
        readyLine: /polling task queue/,
      }),
      ...('skipped' in pipeline ? [] : startPipelineProcesses({ ...common, NATS_URL: natsUrl }, topology, `http://127.0.0.1:${apiPort}`, logDir, profileArgs)),
    ]);
    const children: RunningProcess[] = [];
    for (const outcome of started) if (outcome.status === 'fulfilled') children.push(outcome.value);
    log(`ready: ${children.map((child) => `${child.name} ${(child.readyAfterMs / 1000).toFixed(1)} s`).join(', ')}`);
    cleanups.push(() => Promise.all(children.map((child) => child.stop())));
    const failed = started.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
    if (failed) throw failed.reason;

    const temporal = await connectClient(devServer.address, protection.dataConverter);
    cleanups.push(() => temporal.connection.close());

    const measured: MeasuredProcess[] = [
      ...children.map((child) => singleProcess(child.name, child.pid)),
      ...(devServer.pid ? [singleProcess('temporal', devServer.pid)] : []),
      postgresBackends(db, database.name),
      singleProcess('bench-driver', process.pid),
    ];
    return {
      databaseUrl: database.url,
      databaseName: database.name,
      db,
      offers,
      temporalAddress: devServer.address,
      temporal,
      protection,
      apiUrl: `http://127.0.0.1:${apiPort}`,
      travelerToken: (email) => issuer.mint({ role: 'traveler', email }),
      sagaTaskQueue,
      bareTaskQueue,
      pipeline,
      pausePipeline: () => {
        const pipelineProcesses = children.filter((child) => child.name === 'relay' || child.name === 'consumers');
        for (const child of pipelineProcesses) child.pause();
        return () => {
          for (const child of pipelineProcesses) child.resume();
        };
      },
      measured,
      childEnv: common,
      logDir,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * The relay (outbox -> JetStream) and the consumers (read model, notifier, and status-updates calling the API back),
 * each a process of its own, as `npm run relay` and `npm run consumers` run them.
 */
function startPipelineProcesses(
  env: Record<string, string>,
  topology: NatsTopology,
  apiUrl: string,
  logDir: string,
  profileArgs: (name: string) => string[],
): Promise<RunningProcess>[] {
  const pipelineEnv = { ...env, NATS_SUBJECT_ROOT: topology.root };
  return [
    startNodeProcess({
      name: 'relay',
      entry: 'src/entrypoints/relay.ts',
      env: pipelineEnv,
      logDir,
      readyLine: /publishing the outbox to JetStream/,
      nodeArgs: profileArgs('relay'),
    }),
    startNodeProcess({
      name: 'consumers',
      entry: 'src/entrypoints/consumers.ts',
      env: { ...pipelineEnv, API_BASE_URL: apiUrl },
      logDir,
      readyLine: /"msg":"running/,
      nodeArgs: profileArgs('consumers'),
    }),
  ];
}

/** The run's streams go with the run (their durable consumers with them). */
export async function deleteStreams(natsUrl: string, topology: NatsTopology) {
  const nc = await connect({ servers: natsUrl, timeout: 3_000 });
  try {
    const jsm = await jetstreamManager(nc);
    for (const stream of [topology.eventsStream, topology.deadLetterStream]) await jsm.streams.delete(stream).catch(() => false);
  } finally {
    await nc.close();
  }
}

/**
 * The server processes serving the app's connections to our database (the shared server's other databases are not
 * ours to count, and neither are the benchmark's own connections). Read with
 * the server on this machine; elsewhere the pids are not ours to see and the group simply reads as empty.
 */
export function postgresBackends(db: pg.Pool, databaseName: string, name = 'postgres'): MeasuredProcess {
  return {
    name,
    reportMemory: false,
    pids: async () => {
      // The benchmark's own connections (seeding, watching for confirmations) are measurement, not the app.
      const { rows } = await db.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name <> $2', [
        databaseName,
        benchConnectionName,
      ]);
      return rows.map((r) => r.pid);
    },
  };
}
