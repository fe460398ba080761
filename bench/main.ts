import { readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { measureAnswerWait } from './answer-wait.ts';
import { measureBookingReads } from './booking-reads.ts';
import { startBenchEnvironment } from './bench-environment.ts';
import { compareCoordinations } from './coordination-comparison.ts';
import { summarizeCpuProfile } from './cpu-profile-summary.ts';
import { measureDatabaseCeiling } from './db-ceiling.ts';
import { compareWithBareEngine, warmUpSystem } from './engine-comparison.ts';
import { measureGrowth } from './growth.ts';
import { explainHotPath } from './hot-path-plans.ts';
import { measureJetStreamPublish } from './jetstream-publish.ts';
import { describeMachine, describeVersions } from './machine-info.ts';
import type { MeasureContext, Measurement } from './measure.ts';
import { measureIdleCpu, peakMemoryMiB, round, snapshotUsage, sumCosts } from './measured-processes.ts';
import { type BenchPlan, UsageError, parseBenchArgs, usage } from './options.ts';
import { type SagaEventLag, measureOutboxPipeline, measureSagaEventLag } from './outbox-pipeline.ts';
import { measureReferenceRows } from './reference-rows.ts';
import { evaluateTargets } from './targets.ts';
import { createProgress } from './progress.ts';
import { formatSummary, writeResults } from './report.ts';
import type { BenchResults } from './results.ts';
import { countBookings } from './seed.ts';

/**
 * `npm run bench`: how fast a booking saga runs, what it costs, and how close it comes to the engine's own limit,
 * measured in one run against one Temporal dev server and one PostgreSQL database. It prints figures; it never fails
 * on a time. BENCHMARKS.md explains every figure.
 */
let plan: BenchPlan | 'help';
try {
  plan = parseBenchArgs(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  console.error(`${error.message}\n\n${usage}`);
  process.exit(2);
}
if (plan === 'help') {
  console.log(usage);
  process.exit(0);
}

const progress = createProgress();
const startedAt = new Date();
const { outPath, ...settings } = plan;
const results: BenchResults = {
  schema: 'tripsaga-bench/1',
  mode: plan.mode,
  startedAt: startedAt.toISOString(),
  machine: describeMachine(),
  settings: { ...settings, temporalServer: 'temporal server start-dev (in-memory SQLite, headless), started by the benchmark' },
  memory: [],
  failures: [],
};
const profileDir = plan.profile ? outPath.replace(/\.json$/, '-profiles') : undefined;
let loadStartedAtMicros = 0;

progress.log(`tripsaga benchmark (${plan.mode}): setting up a database, a Temporal dev server, the worker, the API and a bare worker`);
const env = await startBenchEnvironment(plan, progress, profileDir);
process.once('SIGINT', () => {
  progress.log('interrupted: stopping the processes and dropping the database');
  void env.stop().finally(() => process.exit(130));
});

const ctx: MeasureContext = {
  progress,
  measured: env.measured,
  afterEach: async (measurement) => {
    // Only sagas and bare workflows run in the long-lived processes; the other measurements run in the driver.
    if (measurement.kind !== 'saga' && measurement.kind !== 'bare') return;
    results.memory.push({
      after: measurement.label.replace(/\s+/g, ' '),
      bookingsInDatabase: await countBookings(env.db),
      rssMiB: Object.fromEntries(Object.entries(measurement.costs).map(([name, cost]) => [name, cost.rssMiB])),
    });
  },
};

/** A step that throws is reported and skipped: one broken part should not cost the figures of the others. */
async function step(name: string, body: () => Promise<void>) {
  try {
    await body();
  } catch (error) {
    results.failures.push({ step: name, error: (error as Error).stack ?? String(error) });
    progress.log(`!! ${name} failed: ${(error as Error).message}`);
  }
}

try {
  results.versions = await describeVersions(env.db);
  results.settings.databaseName = env.databaseName;

  await step('warm-up', () => warmUpSystem(ctx, env, plan));
  // Profiles are summarised from here on: start-up (module loading, workflow bundling) is not the saga path.
  loadStartedAtMicros = Number(process.hrtime.bigint() / 1000n);
  progress.log(`measuring idle CPU for ${plan.idleMs / 1000} s`);
  results.idleCpuPercent = await measureIdleCpu(env.measured, plan.idleMs);
  let sagaEventLag: SagaEventLag | undefined;
  await step('saga vs bare workflow', async () => {
    const from = new Date();
    results.engine = await compareWithBareEngine(ctx, env, plan);
    sagaEventLag = await measureSagaEventLag(env, { from, to: new Date() }, plan.pipeline.settleTimeoutMs);
  });
  await step('reference rows: naive saga, DBOS', async () => {
    results.referenceRows = await measureReferenceRows(ctx, env, plan, results.engine);
  });
  await step('GET /bookings/:id while bookings confirm', async () => {
    results.bookingReads = await measureBookingReads(ctx, env, plan);
  });
  await step('POST /bookings waiting for the outcome', async () => {
    results.answerWait = await measureAnswerWait(ctx, env, plan);
  });
  await step('orchestration vs choreography', async () => {
    results.coordination = await compareCoordinations(ctx, env, plan);
  });
  await step('database ceiling', async () => {
    results.databaseCeiling = await measureDatabaseCeiling(ctx, env, plan);
  });
  await step('growth', async () => {
    results.growth = await measureGrowth(ctx, env, plan);
  });
  await step('hot-path query plans', async () => {
    results.hotPathPlans = await explainHotPath(env);
  });
  await step('JetStream publish', async () => {
    results.jetstream = await measureJetStreamPublish(ctx, plan);
  });
  await step('outbox pipeline', async () => {
    results.outboxPipeline = await measureOutboxPipeline(ctx, env, plan, sagaEventLag);
  });

  const perOperation = (measurements: readonly Measurement[]) => sumCosts(measurements.map((m) => ({ costs: m.costs, operations: m.totalCompleted })));
  const finalUsage = await snapshotUsage(env.measured);
  results.cost = {
    sagaPer1000Bookings: perOperation(results.engine?.saga ?? []),
    barePer1000Workflows: perOperation(results.engine?.bare ?? []),
    peakRssMiB: peakMemoryMiB(finalUsage, env.measured),
  };
} finally {
  progress.log('stopping the processes and dropping the database');
  await env.stop();
}

if (profileDir) {
  const files = (await readdir(profileDir, { recursive: true }).catch(() => [] as string[])).filter((f) => f.endsWith('.cpuprofile'));
  const summaries = await Promise.all(files.map((f) => summarizeCpuProfile(path.join(profileDir, f), { sinceMicros: loadStartedAtMicros })));
  // The main thread of each process is where the app runs; the loader thread is idle after start-up.
  results.profiles = summaries.filter((s) => s.busyMs >= 1_000).sort((a, b) => a.file.localeCompare(b.file));
}
const finishedAt = new Date();
results.finishedAt = finishedAt.toISOString();
results.wallSeconds = (finishedAt.getTime() - startedAt.getTime()) / 1000;
results.machine.loadAverageAtEnd = os.loadavg().map((x) => round(x, 2));
results.targets = evaluateTargets(results);
await writeResults(outPath, results);
progress.print(formatSummary(results, path.relative(process.cwd(), outPath)));
if (results.failures.length === 0) await rm(env.logDir, { recursive: true, force: true });
else progress.log(`process logs kept in ${env.logDir}`);
// Everything we opened is closed; gRPC and pg may keep idle sockets alive for a while, which a CLI need not wait for.
process.exit(0);
