import { formatCoordinationComparison } from './coordination-comparison.ts';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { formatProfileSummary } from './cpu-profile-summary.ts';
import { type QueryPlan, scanNodes } from './hot-path-plans.ts';
import { formatReferenceRows, formatTargets } from './reference-rows-report.ts';
import type { Measurement } from './measure.ts';
import type { ProcessCost } from './measured-processes.ts';
import type { PipelineLag } from './outbox-pipeline.ts';
import type { BenchResults } from './results.ts';
import type { SagaHealth } from './saga-health.ts';
import type { LatencySummary } from './stats.ts';

export async function writeResults(file: string, results: BenchResults): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(results, roundNumbers, 2)}\n`);
}

/** Two decimals are plenty for figures this noisy, and keep the file readable. */
function roundNumbers(_key: string, value: unknown) {
  return typeof value === 'number' && !Number.isInteger(value) ? Math.round(value * 100) / 100 : value;
}

export function formatTable(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((row) => row.map(String))];
  const widths = headers.map((_, column) => Math.max(...cells.map((row) => (row[column] ?? '').length)));
  const line = (row: string[]) => row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

const num = (value: number | null | undefined, digits = 1) => (value === null || value === undefined || !Number.isFinite(value) ? '-' : value.toFixed(digits));
const percentiles = (l: LatencySummary) => `${num(l.p50)} / ${num(l.p95)} / ${num(l.p99)}`;
const rate = (m: Measurement) => `${num(m.throughputPerSecond)}${m.errors ? ` (${m.errors} err)` : ''}`;

/** The summary printed at the end of a run; BENCHMARKS.md explains each figure. */
export function formatSummary(results: BenchResults, resultsFile: string): string {
  const out: string[] = [];
  const section = (title: string) => out.push('', `== ${title}`);
  const m = results.machine;

  section(`tripsaga benchmark (${results.mode}), ${results.startedAt}, ${num(results.wallSeconds, 0)} s`);
  out.push(`machine: ${m.cpuModel}, ${m.cpus} CPUs, ${m.memoryGiB} GiB, ${m.os}`);
  out.push(`load average at start ${m.loadAverageAtStart.join(' ')}, at end ${m.loadAverageAtEnd?.join(' ') ?? '-'}`);
  if (Math.max(...m.loadAverageAtStart, ...(m.loadAverageAtEnd ?? [])) > m.cpus) {
    out.push(`!! the machine was busy (load above ${m.cpus} CPUs): absolute figures are noise; ratios within this run say more`);
  }
  if (results.mode === 'quick') out.push('!! --quick: a smoke run with short measurements, not figures to quote');
  const dynamicConfig = Object.entries(results.settings.temporalDynamicConfig);
  out.push(`Temporal dev server: ${dynamicConfig.length ? dynamicConfig.map(([k, v]) => `${k}=${v}`).join(', ') : 'stock settings (--stock-temporal)'}`);
  if (results.versions) {
    const v = results.versions;
    out.push(`node ${v.node}, PostgreSQL ${v.postgres}, ${v.temporalCli}, commit ${v.gitCommit}`);
  }

  const engine = results.engine;
  if (engine) {
    section('Saga vs bare workflow (5 no-op activities), same Temporal server: throughput and latency');
    out.push(
      formatTable(
        ['clients', 'tripsaga/s', 'bare/s', 'tripsaga/bare', 'tripsaga p50/p95/p99 ms', 'bare p50/p95/p99 ms'],
        engine.ratios.map((r, i) => [
          r.concurrency,
          rate(engine.saga[i]!),
          rate(engine.bare[i]!),
          r.ratio === null ? '-' : `${(r.ratio * 100).toFixed(0)} %`,
          percentiles(engine.saga[i]!.latencyMs),
          percentiles(engine.bare[i]!.latencyMs),
        ]),
      ),
    );
    out.push('tripsaga latency: POST /bookings start -> booking row CONFIRMED; bare: workflow start -> result.');
    out.push(
      formatTable(
        ['clients', 'accept p50/p95/p99 ms (POST -> 202)', 'saga p50/p95/p99 ms (202 -> CONFIRMED)', 'retries, WFT timeouts in last sagas'],
        engine.saga.map((s) => [
          s.concurrency,
          s.partsMs?.accept ? percentiles(s.partsMs.accept) : '-',
          s.partsMs?.saga ? percentiles(s.partsMs.saga) : '-',
          health(s.sagaHealth),
        ]),
      ),
    );
  }

  if (results.referenceRows) {
    section('Reference rows: tripsaga beside the naive saga (no outbox, inbox, idempotency), the bare workflow and DBOS');
    out.push(...formatReferenceRows(results, formatTable));
  }

  const ceiling = results.databaseCeiling;
  if (ceiling) {
    section('Database ceiling: the real activity functions, no Temporal, same database');
    out.push(
      formatTable(
        ['clients', 'reserve commits/s', 'reserve p50/p95/p99 ms', '5-step bookings/s', '5-step p50/p95/p99 ms'],
        ceiling.reserve.map((r, i) => [r.concurrency, rate(r), percentiles(r.latencyMs), ceiling.bookingSteps[i] ? rate(ceiling.bookingSteps[i]!) : '-', ceiling.bookingSteps[i] ? percentiles(ceiling.bookingSteps[i]!.latencyMs) : '-']),
      ),
    );
  }

  const cost = results.cost;
  if (cost) {
    section('Cost: CPU seconds per 1,000 (from /proc/<pid>/stat), memory (VmHWM, VmRSS)');
    const names = Object.keys(cost.peakRssMiB);
    out.push(
      formatTable(
        ['process', 'CPU s / 1k bookings', 'CPU s / 1k bare wf', 'idle CPU %', 'peak RSS MiB'],
        names.map((name) => [
          name,
          num(cost.sagaPer1000Bookings[name]?.cpuSecondsPer1000, 2),
          num(cost.barePer1000Workflows[name]?.cpuSecondsPer1000, 2),
          num(results.idleCpuPercent?.[name], 1),
          num(cost.peakRssMiB[name], 0),
        ]),
      ),
    );
    if (!names.includes('relay')) out.push('relay, consumers: not running (no NATS server), so not in the table');
    const saga = cpuUnderTest(cost.sagaPer1000Bookings);
    const bare = cpuUnderTest(cost.barePer1000Workflows);
    out.push(
      `everything under test (all but the driver): ${num(saga, 1)} CPU s per 1k bookings, ${num(bare, 1)} per 1k bare workflows; ` +
        `where CPU is what runs out (${m.cpus} cores, everything on one machine), tripsaga/bare throughput tends to ${saga && bare ? (bare / saga * 100).toFixed(0) : '-'} %`,
    );
  }

  if (results.growth?.length) {
    section('Growth: the saga over a database already holding N bookings');
    const processes = Object.entries(results.growth[0]!.saga.costs)
      .filter(([name, cost]) => name !== 'bench-driver' && cost.rssMiB !== null)
      .map(([name]) => name);
    out.push(
      formatTable(
        ['bookings', 'outbox rows', 'outbox MiB', 'inbox MiB', 'clients', 'tripsaga/s', 'p50/p95/p99 ms', 'retries, WFT timeouts', ...processes.map((p) => `${p} RSS MiB`)],
        results.growth.map((g) => [
          g.bookingsAtStart,
          g.storage?.outboxRows ?? '-',
          num(g.storage?.outboxMiB),
          num(g.storage?.inboxMiB),
          g.saga.concurrency,
          rate(g.saga),
          percentiles(g.saga.latencyMs),
          health(g.saga.sagaHealth),
          ...processes.map((p) => num(g.saga.costs[p]?.rssMiB, 0)),
        ]),
      ),
    );
  }
  for (const g of results.growth ?? []) {
    const tables = Object.entries(g.storage?.tables ?? {}).slice(0, 6);
    if (tables.length) out.push(`at ${g.bookingsAtStart} bookings, largest tables (rows, MiB with indexes): ${tables.map(([t, s]) => `${t} ${s.rows} / ${num(s.MiB)}`).join(', ')}`);
  }
  if (results.memory.length) {
    section('Memory of the long-running processes as the run goes on (RSS MiB)');
    const processes = Object.entries(results.memory[0]!.rssMiB)
      .filter(([name, rss]) => name !== 'bench-driver' && rss !== null)
      .map(([name]) => name);
    out.push(formatTable(['after', 'bookings in db', ...processes], results.memory.map((p) => [p.after, p.bookingsInDatabase, ...processes.map((n) => num(p.rssMiB[n], 0))])));
  }

  const plans = results.hotPathPlans;
  if (plans) {
    section(`Hot-path query plans at ${plans.bookingsInDatabase} bookings (EXPLAIN of the SQL Prisma sent)`);
    out.push(formatTable(['origin', 'statement', 'plan', 'access'], plans.queries.map((q) => [q.origin.replace(/ \(hand-written.*\)$/, ' (expected)'), q.statement, q.verdict, accessPath(q)])));
    out.push(
      `statements sent (round trips, BEGIN/COMMIT included): ${Object.entries(plans.statements)
        .map(([origin, n]) => `${origin} ${n}`)
        .join(', ')}; one booking's happy path: ${plans.statementsPerBooking}`,
    );
    for (const part of plans.notCaptured ?? []) out.push(`not captured: ${part}`);
    const seqScans = plans.queries.filter((q) => q.verdict === 'seq scan');
    out.push(seqScans.length ? `!! ${seqScans.length} statement(s) scan a table sequentially with no index to use` : 'every statement that reads has an index to use');
    if (plans.queries.some((q) => q.verdict === 'small table')) {
      out.push('small table: a sequential scan is cheaper on a table this small; with enable_seqscan off the same statement uses an index');
    }
  }

  const js = results.jetstream;
  section('Raw JetStream publish with ack (file storage, msg id, CloudEvent payload)');
  if (js?.measured) {
    out.push(`NATS ${js.natsServerVersion}, ${js.payloadBytes}-byte messages`);
    out.push(formatTable(['in flight', 'acks/s', 'p50/p95/p99 ms'], js.results.map((r) => [r.concurrency, rate(r), percentiles(r.latencyMs)])));
  } else out.push(`not measured: ${js?.reason ?? 'skipped'}`);

  section('Outbox pipeline: commit -> JetStream ack (relay) -> applied (read model), relay and consumers in their own processes');
  const pipeline = results.outboxPipeline;
  if (pipeline?.measured) {
    const lagRow = (label: string, rate: string, lag: PipelineLag) => [
      label,
      rate,
      lag.events,
      percentiles(lag.commitToAckMs),
      percentiles(lag.commitToAppliedMs),
      lag.unfinished,
    ];
    const rows = [];
    if (pipeline.duringSagas) rows.push(lagRow('during the saga measurements', num(pipeline.duringSagas.eventsPerSecond), pipeline.duringSagas));
    const fixed = pipeline.fixedRate;
    rows.push(lagRow(`steady ${fixed.targetEventsPerSecond} events/s for ${num(fixed.seconds, 0)} s`, num(fixed.committedEventsPerSecond), fixed));
    out.push(formatTable(['load', 'events/s', 'events', 'commit->ack p50/p95/p99 ms', 'commit->applied p50/p95/p99 ms', 'unfinished'], rows));
    if (fixed.writeErrors) out.push(`!! the steady writer failed ${fixed.writeErrors} time(s): ${fixed.writeErrorSamples.join(' | ')}`);
    const b = pipeline.backlog;
    const rawAcks = js?.measured ? Math.max(...js.results.map((r) => r.throughputPerSecond)) : undefined;
    out.push(
      `backlog of ${b.events} events committed at once: relay ${num(b.relayEventsPerSecond, 0)} events/s (${num(b.relaySeconds)} s), ` +
        `read model ${num(b.appliedEventsPerSecond, 0)} events/s (${num(b.appliedSeconds)} s)` +
        (rawAcks ? `; raw JetStream publish+ack ${num(rawAcks, 0)}/s, relay/raw ${num((b.relayEventsPerSecond / rawAcks) * 100, 0)} %` : '') +
        (b.unfinished ? `; !! ${b.unfinished} not published and applied in time` : ''),
    );
    out.push('target: p99 commit->ack under 50 ms at 200 events/s');
  } else out.push(`not measured: ${pipeline?.reason ?? 'skipped'}`);

  const reads = results.bookingReads;
  if (reads) {
    section(`GET /bookings/:id at ${reads.connections} connections while bookings confirm`);
    out.push(
      `${num(reads.reads.throughputPerSecond, 0)} reads/s, p50 / p95 / p99 ${percentiles(reads.reads.latencyMs)} ms, ${reads.reads.errors} errors; ` +
        `meanwhile ${num(reads.bookings.throughputPerSecond)} bookings/s confirmed at ${reads.bookings.clients} clients`,
    );
    out.push('target: >= 2,000 reads/s with p99 < 250 ms');
  }
  const answer = results.answerWait;
  if (answer) {
    section('POST /bookings with Prefer: wait=10 at 1 client, beside the bare workflow');
    out.push(
      `POST -> answer (CONFIRMED) p50 / p95 / p99 ${percentiles(answer.answer.latencyMs)} ms (${answer.answer.errors} errors); ` +
        `bare workflow ${percentiles(answer.bare.latencyMs)} ms; p50 ratio ${num(answer.p50Ratio, 2)}`,
    );
    out.push('target: p50 POST -> answer <= 2x the bare workflow p50');
  }

  if (results.coordination) out.push(...formatCoordinationComparison(results.coordination, formatTable));
  for (const profile of results.profiles ?? []) {
    section('CPU profile');
    out.push(formatProfileSummary(profile));
  }
  if (results.targets?.length) {
    section('Targets');
    out.push(...formatTargets(results.targets, formatTable));
  }
  if (results.failures.length) {
    section('Steps that failed (the run went on without them)');
    for (const f of results.failures) out.push(`${f.step}: ${f.error}`);
  }
  out.push('', `results: ${resultsFile}`);
  return out.join('\n');
}

function accessPath(q: QueryPlan): string {
  const forced = q.planWithoutSeqScan ? scanNodes(q.planWithoutSeqScan).join('; ') : '';
  return (q.access.join('; ') || '-') + (forced ? ` (else: ${forced})` : '');
}

function health(h: SagaHealth | undefined): string {
  if (!h) return '-';
  return `${h.activityRetries}, ${h.workflowTaskTimeouts + h.workflowTaskFailures} in ${h.sampled}`;
}

/** CPU per 1,000 operations of every process except the load generator. */
export function cpuUnderTest(costs: Record<string, ProcessCost>): number | undefined {
  const parts = Object.entries(costs).filter(([name]) => name !== 'bench-driver');
  if (parts.some(([, c]) => c.cpuSecondsPer1000 === null) || parts.length === 0) return undefined;
  return parts.reduce((sum, [, c]) => sum + (c.cpuSecondsPer1000 ?? 0), 0);
}
