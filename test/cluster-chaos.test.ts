import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parse } from 'yaml';
import { formatReport, runChaos } from '../chaos/run-chaos.ts';
import { faults } from '../chaos/faults.ts';
import { type Cluster, startCluster } from '../src/cluster/cluster.ts';
import { freeClusterPorts } from '../src/cluster/ports.ts';
import { composeDifferencesFromRun } from './support/compose-topology.ts';

// The short `npm run chaos`: the production topology of `npm run cluster` (its own PostgreSQL, the Temporal server on
// it, three NATS nodes, every part twice) on ports of its own, every fault once with short outages, and every
// promise checked from the data. Then docker-compose.yml is held to what actually ran.
let dataDir: string;
let cluster: Cluster | undefined;
const lines: string[] = [];

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'tripsaga-cluster-test-'));
  cluster = await startCluster({ dataDir, ports: await freeClusterPorts(), log: (line) => lines.push(line) });
}, 600_000);
afterAll(async () => {
  await cluster?.stop();
  await rm(dataDir, { recursive: true, force: true });
}, 120_000);

it('keeps every promise while each part in turn is killed or restarted', async () => {
  const report = await runChaos(cluster!, {
    bookings: 30,
    clients: 2,
    thinkMs: 250,
    baselineMs: 3_000,
    downMs: 2_000,
    betweenMs: 2_000,
    settleTimeoutMs: 150_000,
    log: (line) => lines.push(line),
  });
  console.log(formatReport(report));
  expect(report.phases.map((p) => p.name)).toEqual(['baseline (no fault)', ...faults.map((f) => f.name), 'after the faults (no fault)']);
  expect(report.checks.map((c) => c.name)).toHaveLength(5);
  expect(report.problems).toEqual([]);
  expect(report.bookings).toBeGreaterThanOrEqual(30);
}, 900_000);

it('runs what docker-compose.yml declares: versions, parts, replicas, settings', async () => {
  const compose = parse(await readFile(new URL('../docker-compose.yml', import.meta.url), 'utf8'));
  expect(composeDifferencesFromRun(compose, cluster!.manifest)).toEqual([]);
  expect(JSON.parse(await readFile(path.join(dataDir, 'cluster.json'), 'utf8'))).toEqual(cluster!.manifest);
});
