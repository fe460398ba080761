import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { formatTable } from './report.ts';
import type { BenchResults } from './results.ts';

/**
 * Two result files side by side (e.g. before and after a change), with after/before for each figure:
 *   npx tsx bench/compare-results.ts before.json after.json
 * On a busy machine compare the figures that carry their own baseline (tripsaga/bare ratio, CPU per booking
 * against the bare worker's CPU per workflow, statements per booking) rather than absolute rates.
 */
export function compareResults(before: BenchResults, after: BenchResults): (string | number)[][] {
  const rows: (string | number)[][] = [];
  const add = (figure: string, a: number | null | undefined, b: number | null | undefined, digits = 1) => {
    const fmt = (x: number | null | undefined) => (x === null || x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(digits));
    rows.push([figure, fmt(a), fmt(b), a && b && Number.isFinite(a) && Number.isFinite(b) ? (b / a).toFixed(2) : '-']);
  };
  for (const r of after.engine?.ratios ?? []) {
    const a = before.engine?.ratios.find((x) => x.concurrency === r.concurrency);
    const sagaA = before.engine?.saga.find((x) => x.concurrency === r.concurrency);
    const sagaB = after.engine?.saga.find((x) => x.concurrency === r.concurrency);
    add(`c=${r.concurrency} tripsaga/bare throughput`, a?.ratio, r.ratio, 2);
    add(`c=${r.concurrency} tripsaga bookings/s`, a?.sagaPerSecond, r.sagaPerSecond);
    add(`c=${r.concurrency} tripsaga p50 ms`, sagaA?.latencyMs.p50, sagaB?.latencyMs.p50);
    add(`c=${r.concurrency} accept p50 ms`, sagaA?.partsMs?.accept?.p50, sagaB?.partsMs?.accept?.p50);
  }
  const perBare = (results: BenchResults, name: string) => {
    const saga = results.cost?.sagaPer1000Bookings[name]?.cpuSecondsPer1000;
    const bare = results.cost?.barePer1000Workflows['bare-worker']?.cpuSecondsPer1000;
    return saga && bare ? saga / bare : undefined;
  };
  for (const name of ['worker', 'api', 'postgres', 'temporal']) {
    add(`${name} CPU s / 1k bookings`, before.cost?.sagaPer1000Bookings[name]?.cpuSecondsPer1000, after.cost?.sagaPer1000Bookings[name]?.cpuSecondsPer1000);
    add(`${name} CPU per booking / bare worker CPU per workflow`, perBare(before, name), perBare(after, name), 2);
  }
  for (const m of after.databaseCeiling?.bookingSteps ?? []) {
    const a = before.databaseCeiling?.bookingSteps.find((x) => x.concurrency === m.concurrency);
    add(`c=${m.concurrency} 4-step bookings/s (no Temporal)`, a?.throughputPerSecond, m.throughputPerSecond);
  }
  add('statements per booking', before.hotPathPlans?.statementsPerBooking, after.hotPathPlans?.statementsPerBooking, 0);
  return rows;
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  const [beforeFile, afterFile] = process.argv.slice(2);
  if (!beforeFile || !afterFile) {
    console.error('Usage: npx tsx bench/compare-results.ts before.json after.json');
    process.exit(2);
  }
  const load = async (file: string) => JSON.parse(await readFile(file, 'utf8')) as BenchResults;
  const [before, after] = await Promise.all([load(beforeFile), load(afterFile)]);
  console.log(formatTable(['figure', 'before', 'after', 'after/before'], compareResults(before, after)));
}
