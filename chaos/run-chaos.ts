import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import type { Cluster } from '../src/cluster/cluster.ts';
import { natsTopology } from '../src/transport/jetstream/index.ts';
import { createOffers, type LoadTokens, newLedger, runLoad } from './booking-load.ts';
import { type CheckResult, checkPromises, waitUntilSettled } from './checks.ts';
import { type Fault, faults as allFaults } from './faults.ts';
import { measurePhases, type Phase, type PhaseFigures } from './measure.ts';

export interface ChaosOptions {
  /** At least this many bookings are made; the load goes on after the last fault until there are. */
  bookings: number;
  clients: number;
  thinkMs: number;
  baselineMs: number;
  /** How long each fault lasts before it is undone. */
  downMs: number;
  /** Load without a fault after each one, before the next. */
  betweenMs: number;
  settleTimeoutMs: number;
  faults?: Fault[];
  log?: (line: string) => void;
}

export interface ChaosReport {
  bookings: number;
  phases: PhaseFigures[];
  baselineEndToEndSeconds?: number;
  settledInSeconds?: number;
  checks: CheckResult[];
  problems: string[];
}

/**
 * A steady booking load through the running cluster while each fault in turn breaks one piece and brings it back;
 * then, once everything in flight has settled, the checks of every promise, from the data.
 */
export async function runChaos(cluster: Cluster, options: ChaosOptions): Promise<ChaosReport> {
  const { log = console.log, faults = allFaults } = options;
  const runId = randomUUID().slice(0, 8);
  const ledger = newLedger();
  const tokens: LoadTokens = {
    operator: await cluster.mint({ role: 'operator', subject: `chaos-${runId}` }),
    traveler: (email) => cluster.mint({ role: 'traveler', email }),
  };
  const offers = await createOffers(cluster.apiUrls[0]!, options.bookings, tokens);
  const stopLoad = new AbortController();
  const load = runLoad({ apis: cluster.apiUrls, offers, clients: options.clients, thinkMs: options.thinkMs, runId, ledger, tokens, signal: stopLoad.signal });
  const phases: Phase[] = [];

  log(`load: ${options.clients} clients on ${cluster.apiUrls.length} APIs; baseline for ${options.baselineMs / 1000} s`);
  let startedAt = Date.now();
  await sleep(options.baselineMs);
  phases.push({ name: 'baseline (no fault)', startedAt, endedAt: Date.now() });
  for (const fault of faults) {
    startedAt = Date.now();
    log(`fault: ${fault.name}`);
    const faultAt = Date.now();
    const restore = await fault.inject({ cluster, offers, runId, ledger, tokens, log });
    await sleep(options.downMs);
    const restoreStarted = Date.now();
    await restore();
    log(`  back after ${((Date.now() - faultAt) / 1000).toFixed(1)} s`);
    await sleep(options.betweenMs);
    phases.push({ name: fault.name, startedAt, endedAt: Date.now(), faultAt, restoredAt: restoreStarted });
  }
  startedAt = Date.now();
  const loadDeadline = Date.now() + 10 * 60_000;
  while (ledger.accepted.size < options.bookings && Date.now() < loadDeadline) await sleep(500);
  stopLoad.abort();
  await load;
  phases.push({ name: 'after the faults (no fault)', startedAt, endedAt: Date.now() });
  log(`load stopped: ${ledger.accepted.size} bookings accepted; waiting for everything in flight to settle`);

  const db = new pg.Pool({ connectionString: cluster.databaseUrl, max: 4 });
  try {
    const settled = await waitUntilSettled(db, options.settleTimeoutMs);
    const checks = await checkPromises(db, cluster.endpoints.nats, natsTopology('tripsaga').eventsStream, ledger);
    const figures = await measurePhases(db, phases);
    const problems = checks.flatMap((c) => c.problems.map((p) => `${c.name}: ${p}`));
    if (settled === undefined) problems.unshift(`not settled within ${options.settleTimeoutMs / 1000} s`);
    if (ledger.accepted.size < options.bookings) problems.unshift(`only ${ledger.accepted.size} of ${options.bookings} bookings accepted in 10 minutes`);
    return { bookings: ledger.accepted.size, ...figures, settledInSeconds: settled === undefined ? undefined : settled / 1000, checks, problems };
  } finally {
    await db.end();
  }
}

export function formatReport(report: ChaosReport): string {
  const s = (value: number | undefined, digits = 1) => (value === undefined ? '-' : value.toFixed(digits));
  const lines = [
    '',
    `| phase | lasted (s) | down (s) | end-to-end again after the fault (s) | ... after it was undone (s) | accepted/s | completed/s |`,
    `|---|---|---|---|---|---|---|`,
    ...report.phases.map(
      (p) => `| ${p.name} | ${s(p.seconds)} | ${s(p.downSeconds)} | ${s(p.endToEndAfterFaultSeconds)} | ${s(p.endToEndAfterRestoreSeconds)} | ${s(p.acceptedPerSecond, 2)} | ${s(p.completedPerSecond, 2)} |`,
    ),
    '',
    `baseline: a booking goes end to end (accepted -> saga ended -> every consumer applied its events) in ${s(report.baselineEndToEndSeconds, 2)} s (median)`,
    `settled ${s(report.settledInSeconds)} s after the load stopped`,
    '',
    ...report.checks.flatMap((c) => [`${c.problems.length === 0 ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}`, ...c.problems.map((p) => `       ${p}`)]),
    '',
    report.problems.length === 0 ? `zero lost, zero duplicated, zero double-booked across ${report.bookings} bookings` : `${report.problems.length} problem(s)`,
  ];
  return lines.join('\n');
}
