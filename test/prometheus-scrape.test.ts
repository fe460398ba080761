import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import type { Server } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { measurePendingSagas } from '../src/bookings/pending-sagas.ts';
import { freePort } from '../src/lib/free-port.ts';
import { serveMetrics } from '../src/metrics/serve-metrics.ts';
import { createWorkerMetrics } from '../src/metrics/worker-metrics.ts';
import { type EventPipeline, startEventPipeline } from '../src/pipeline/event-pipeline.ts';
import { waitUntil } from './support/direct-trips.ts';
import type { Harness } from './support/harness.ts';
import { removeTopology, sharedNatsUrl, uniqueTopology } from './support/nats.ts';
import { createOwnDatabase } from './support/own-database.ts';

/**
 * A real Prometheus (Debian's, its own port and storage) scraping a running app: the API's GET /metrics (its
 * requests, and the relay's and consumers' metrics of the same process) and the worker's metrics port (the saga's,
 * and the Temporal SDK's from the core's exporter), with deploy/prometheus/alerts.yml loaded. Two trips, one
 * confirmed and one undone by a sold-out car, then every family of series is looked up through Prometheus's API.
 */
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const topology = uniqueTopology();
let h: Harness;
let ownDb: Awaited<ReturnType<typeof createOwnDatabase>>;
let pipeline: EventPipeline;
let api: Server;
let workerEndpoint: Awaited<ReturnType<typeof serveMetrics>>;
let prometheus: ChildProcess;
let prometheusOutput = '';
let prometheusUrl: string;
let scratch: string;

beforeAll(async () => {
  // The SDK's metrics exist only when the runtime starts with them: installed before the harness's default one.
  const workerMetrics = await createWorkerMetrics();
  Runtime.install({ logger: new DefaultLogger('WARN'), telemetryOptions: workerMetrics.telemetryOptions });
  const { startHarness } = await import('./support/harness.ts');
  ownDb = await createOwnDatabase('prometheus_scrape');
  h = await startHarness({ databaseUrl: ownDb.url, sagaMetrics: workerMetrics.saga });
  workerMetrics.saga.probePending(() => measurePendingSagas(h.prisma));
  pipeline = startEventPipeline({ db: h.db, natsUrl: sharedNatsUrl, natsSubjectRoot: topology.root, metrics: h.metrics, relay: true, consumers: true });

  api = h.app.listen(0, '127.0.0.1');
  await once(api, 'listening');
  workerEndpoint = await serveMetrics(workerMetrics.registry, 0, { host: '127.0.0.1', moreMetrics: workerMetrics.sdkMetrics });

  scratch = await mkdtemp(path.join(tmpdir(), 'tripsaga-prometheus-'));
  const port = await freePort();
  prometheusUrl = `http://127.0.0.1:${port}`;
  const apiPort = (api.address() as { port: number }).port;
  await writeFile(
    path.join(scratch, 'prometheus.yml'),
    [
      'global: { scrape_interval: 1s, evaluation_interval: 1s }',
      `rule_files: ["${path.join(repoRoot, 'deploy/prometheus/alerts.yml')}"]`,
      'scrape_configs:',
      `  - { job_name: tripsaga-api, static_configs: [{ targets: ["127.0.0.1:${apiPort}"] }] }`,
      `  - { job_name: tripsaga-worker, static_configs: [{ targets: ["127.0.0.1:${workerEndpoint.port}"] }] }`,
    ].join('\n'),
  );
  prometheus = spawn(
    '/usr/bin/prometheus',
    [`--config.file=${path.join(scratch, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(scratch, 'data')}`, `--web.listen-address=127.0.0.1:${port}`],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  prometheus.stdout?.on('data', (chunk) => (prometheusOutput += chunk));
  prometheus.stderr?.on('data', (chunk) => (prometheusOutput += chunk));
  await waitUntil('Prometheus to be ready', async () => (await fetch(`${prometheusUrl}/-/ready`).catch(() => undefined))?.ok);
});

afterAll(async () => {
  if (prometheus && prometheus.exitCode === null) {
    const exited = once(prometheus, 'exit');
    prometheus.kill('SIGTERM');
    await exited;
  }
  await pipeline?.stop();
  await workerEndpoint?.close();
  await new Promise((resolve) => (api ? api.close(resolve) : resolve(undefined)));
  await removeTopology(sharedNatsUrl, topology);
  await h?.stop();
  await ownDb?.drop();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

type Sample = { metric: Record<string, string>; value: [number, string] };

async function query(promql: string): Promise<Sample[]> {
  const response = await fetch(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(promql)}`);
  const body = (await response.json()) as { status: string; data?: { result: Sample[] }; error?: string };
  if (body.status !== 'success') throw new Error(`${promql}: ${body.error}\n${prometheusOutput}`);
  return body.data!.result;
}

/** The value Prometheus holds for the query once it is at least `atLeast` (scrapes come every second). */
async function scraped(promql: string, atLeast = 1): Promise<number> {
  return waitUntil(`Prometheus to hold ${promql} >= ${atLeast}`, async () => {
    const [sample] = await query(promql);
    const value = sample ? Number(sample.value[1]) : undefined;
    return value !== undefined && value >= atLeast ? value : undefined;
  });
}

describe('a real Prometheus scraping the app', () => {
  it('finds the API, saga, Temporal worker and pipeline series, with route templates and the alert rules loaded', async () => {
    const offers = await h.tripOffers({ car: 0 });
    const traveler = await h.asTraveler('ada+scrape@example.com');
    const confirmedRequest = { ...h.request({ flight: offers.flight.id, hotel: offers.hotel.id }), traveler: { name: 'Ada', email: 'ada+scrape@example.com' } };
    const confirmed = (await traveler.post('/bookings').send(confirmedRequest).expect(202)).body.bookingId as string;
    const undone = (await traveler.post('/bookings').send({ ...confirmedRequest, car: { offerId: offers.car.id } }).expect(202)).body.bookingId as string;
    await h.waitForStatus(confirmed, 'CONFIRMED');
    await h.waitForStatus(undone, 'COMPENSATED');
    await traveler.get(`/bookings/${confirmed}`).expect(200);
    await traveler.get('/bookings/bk_nobody').expect(404);

    // The API: per route template, method and status class.
    expect(await scraped('sum(tripsaga_http_request_duration_seconds_count{job="tripsaga-api",method="POST",route="/bookings",status_class="2xx"})', 2)).toBe(2);
    expect(await scraped('sum(tripsaga_http_request_duration_seconds_count{method="GET",route="/bookings/:id",status_class="4xx"})')).toBe(1);
    await scraped('sum(tripsaga_http_request_duration_seconds_bucket{method="GET",route="/bookings/:id",status_class="2xx",le="+Inf"})');
    const routes = (await query('count by (route) (tripsaga_http_request_duration_seconds_count)')).map((s) => s.metric.route!);
    expect(routes.filter((route) => route.includes('bk_'))).toEqual([]);

    // The saga, as the worker saw it: one outcome each, the failed step named, steps and compensations timed.
    expect(await scraped('sum(tripsaga_saga_outcomes_total{job="tripsaga-worker",status="CONFIRMED",failed_step="none"})')).toBe(1);
    expect(await scraped('sum(tripsaga_saga_outcomes_total{status="COMPENSATED",failed_step="car"})')).toBe(1);
    await scraped('sum(tripsaga_saga_step_duration_seconds_count{step="car",phase="forward",result="rejected"})');
    await scraped('sum(tripsaga_saga_step_duration_seconds_count{step="flight",phase="compensation",result="ok"})');
    await scraped('sum(tripsaga_saga_step_duration_seconds_count{step="confirm",phase="forward",result="ok"})');
    await scraped('sum(tripsaga_saga_step_duration_seconds_count{step="outcome",phase="compensation",result="ok"})');
    expect(await query('tripsaga_sagas_pending{job="tripsaga-worker"}')).toHaveLength(1);

    // The Temporal SDK's worker metrics, from the same endpoint.
    await scraped(`sum(temporal_activity_execution_latency_count{job="tripsaga-worker",task_queue="${h.taskQueue}"})`);
    await scraped(`sum(temporal_workflow_completed_total{task_queue="${h.taskQueue}"})`);
    expect(await query(`temporal_worker_task_slots_available{task_queue="${h.taskQueue}"}`)).not.toEqual([]);

    // The pipeline's, from the API's endpoint (the relay and consumers run in its process, as in npm start).
    await scraped('sum(tripsaga_relay_published_events_total{job="tripsaga-api",transport="jetstream"})');
    await scraped('sum(tripsaga_consumer_events_total{consumer="trip-summaries",outcome="applied"})');
    expect(await query('tripsaga_outbox_oldest_pending_age_seconds{transport="jetstream"}')).toHaveLength(1);

    // deploy/prometheus/alerts.yml, loaded and evaluated by this Prometheus without error.
    const alertRules = async () =>
      ((await (await fetch(`${prometheusUrl}/api/v1/rules?type=alert`)).json()) as { data: { groups: { rules: { name: string; health: string }[] }[] } }).data.groups.flatMap(
        (group) => group.rules,
      );
    expect((await alertRules()).map((rule) => rule.name)).toContain('TripsagaStuckSagas');
    await waitUntil('every alert rule to be evaluated', async () => (await alertRules()).every((rule) => rule.health === 'ok'));
  });
});
