import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startCluster } from '../src/cluster/cluster.ts';
import { freeClusterPorts } from '../src/cluster/ports.ts';
import { formatReport, runChaos } from './run-chaos.ts';

/**
 * `npm run chaos`: starts the cluster of `npm run cluster` (ports the OS picks, a fresh data directory), drives a
 * steady booking load through it while it breaks one piece after another (see faults.ts), then checks every promise
 * from the data and prints the figures. Exits 1 on any loss, duplicate or double booking.
 *   --bookings N   at least N bookings (default 240)
 *   --quick        short faults and a small load (what `npm test` runs)
 *   --keep         keep the data directory and the logs (kept anyway when a check fails)
 */
const { values } = parseArgs({ options: { bookings: { type: 'string' }, quick: { type: 'boolean' }, keep: { type: 'boolean' } } });
const quick = values.quick ?? false;
const log = (line: string) => console.log(`[chaos] ${line}`);
const dataDir = await mkdtemp(path.join(os.tmpdir(), 'tripsaga-chaos-'));
const cluster = await startCluster({ dataDir, ports: await freeClusterPorts(), log: (line) => log(`cluster: ${line}`) });
let failed = true;
try {
  const report = await runChaos(cluster, {
    bookings: Number(values.bookings ?? (quick ? 40 : 240)),
    // Two clients keep about one booking a second coming: steady, below what a shared two-core machine completes.
    clients: 2,
    thinkMs: quick ? 200 : 300,
    baselineMs: quick ? 4_000 : 15_000,
    downMs: quick ? 2_000 : 8_000,
    betweenMs: quick ? 3_000 : 10_000,
    settleTimeoutMs: quick ? 120_000 : 300_000,
    log,
  });
  console.log(formatReport(report));
  failed = report.problems.length > 0;
} finally {
  await cluster.stop();
  if (failed || values.keep) log(`data and logs kept in ${dataDir}`);
  else await rm(dataDir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
