import type { Measurement } from './measure.ts';
import { type ProcessCost, sumCosts } from './measured-processes.ts';
import type { BenchResults } from './results.ts';
import type { TargetVerdict } from './targets.ts';

type Table = (headers: string[], rows: (string | number)[][]) => string;

const num = (value: number | null | undefined, digits = 1) => (value === null || value === undefined || !Number.isFinite(value) ? '-' : value.toFixed(digits));
const pct = (value: number | null | undefined) => (value === null || value === undefined ? '-' : `${(value * 100).toFixed(0)} %`);
const p50p99 = (m: Measurement | undefined) => (m ? `${num(m.latencyMs.p50, 0)} / ${num(m.latencyMs.p99, 0)}` : '-');
const rate = (m: Measurement | undefined) => (m ? `${num(m.throughputPerSecond)}${m.errors ? ` (${m.errors} err)` : ''}` : '-');

/** Rows of the summary for the naive saga and DBOS beside tripsaga and the bare workflow; empty when not measured. */
export function formatReferenceRows(results: BenchResults, table: Table): string[] {
  const refs = results.referenceRows;
  if (!refs) return [];
  const out: string[] = [];
  const at = (list: readonly Measurement[] | undefined, c: number) => list?.find((m) => m.concurrency === c);
  out.push(
    table(
      ['clients', 'tripsaga/s', 'naive/s', 'bare/s', 'DBOS/s', 'tripsaga/naive', 'tripsaga/bare', 'tripsaga/DBOS', 'p50 / p99 ms: tripsaga', 'naive', 'DBOS'],
      refs.ratios.map((r) => [
        r.concurrency,
        rate(at(results.engine?.saga, r.concurrency)),
        rate(at(refs.naive, r.concurrency)),
        rate(at(results.engine?.bare, r.concurrency)),
        rate(at(refs.dbos, r.concurrency)),
        pct(r.sagaOverNaive),
        pct(r.sagaOverBare),
        pct(r.sagaOverDbos),
        p50p99(at(results.engine?.saga, r.concurrency)),
        p50p99(at(refs.naive, r.concurrency)),
        p50p99(at(refs.dbos, r.concurrency)),
      ]),
    ),
  );
  for (const [row, reason] of Object.entries(refs.skipped)) out.push(`${row}: ${reason}`);
  out.push('latency: POST /bookings start -> booking row CONFIRMED for all three; bare: workflow start -> result.');
  for (const [row, e] of Object.entries(refs.effects ?? {})) {
    out.push(`${row}: consumers' effects for its last ${e.bookings} confirmed bookings: ${e.tripSummaries} trip summaries, ${e.emails} emails, ${e.notifications} status notifications, ${e.walletStatementLines} wallet statement lines`);
  }

  const perOp = (list: readonly Measurement[] | undefined) => sumCosts((list ?? []).map((m) => ({ costs: m.costs, operations: m.totalCompleted })));
  const columns: [string, Record<string, ProcessCost>][] = [
    ['tripsaga', perOp(results.engine?.saga)],
    ['naive', perOp(refs.naive)],
    ['DBOS', perOp(refs.dbos)],
    ['bare wf', perOp(results.engine?.bare)],
  ];
  const names = [...new Set(columns.flatMap(([, costs]) => Object.keys(costs)))].filter((name) => name !== 'bench-driver');
  // A process that did no work for a row (the bare worker during sagas) shows as 0.0 there, not as missing.
  const busy = names.filter((name) => columns.some(([, costs]) => (costs[name]?.cpuSecondsPer1000 ?? 0) >= 0.5));
  const total = (costs: Record<string, ProcessCost>) => names.reduce((sum, name) => sum + (costs[name]?.cpuSecondsPer1000 ?? 0), 0);
  out.push('', 'CPU s per 1,000 bookings (bare: per 1,000 workflows), per process, over all measurements of each row:');
  out.push(
    table(
      ['process', ...columns.map(([label]) => label)],
      [
        ...busy.map((name) => [name, ...columns.map(([, costs]) => num(costs[name]?.cpuSecondsPer1000, 1))]),
        ['everything under test', ...columns.map(([, costs]) => num(total(costs), 1))],
      ],
    ),
  );
  const [saga, naive, dbos] = columns.map(([, costs]) => total(costs));
  if (saga && naive) out.push(`outbox + inbox + idempotency: ${num(saga - naive, 1)} CPU s per 1k bookings (${pct((saga - naive) / saga)} of tripsaga's)`);
  if (saga && dbos) out.push(`tripsaga - DBOS: ${num(saga - dbos, 1)} CPU s per 1k bookings; where CPU runs out, tripsaga/DBOS tends to ${pct(dbos / saga)}`);
  return out;
}

export function formatTargets(verdicts: readonly TargetVerdict[] | undefined, table: Table): string[] {
  if (!verdicts?.length) return [];
  return [table(['target', 'goal', 'measured', 'verdict'], verdicts.map((v) => [v.target, v.goal, v.measured, v.verdict === 'met' ? 'met' : v.verdict === 'missed' ? 'MISSED' : 'not measured']))];
}
