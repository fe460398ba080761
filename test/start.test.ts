import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { access, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { connect } from '@nats-io/transport-node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { inject } from 'vitest';
import { waitUntil } from './support/direct-trips.ts';
import { readStream, removeTopology, sharedNatsUrl, uniqueTopology } from './support/nats.ts';
import { isProcessAlive } from '../src/lib/pid-lock.ts';
import { type AppProcess, startAppProcess } from './support/processes.ts';
import { bearer, mintTravelerToken } from './support/tokens.ts';

// `npm start` as a person runs it: one process, the embedded database, the relay and consumers inside, and (NATS_URL
// unset) a nats-server of its own with its JetStream store under the data directory. Twice on the same data directory,
// to see the store kept; then once with NATS_URL pointing at an external broker.
const topology = uniqueTopology();
let dataDir: string;
const processes: AppProcess[] = [];

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'tripsaga-start-'));
});
afterAll(async () => {
  for (const app of processes) await app.kill('SIGKILL');
  // A SIGKILLed npm start leaves its nats-server behind (the next start would stop it): stop it here.
  const orphan = Number(await readFile(path.join(dataDir, 'nats', 'nats-server.pid'), 'utf8').catch(() => ''));
  if (orphan && isProcessAlive(orphan)) process.kill(orphan, 'SIGKILL');
  await removeTopology(sharedNatsUrl, topology);
  await rm(dataDir, { recursive: true, force: true });
});

async function npmStart(natsUrl: string | undefined, env: Record<string, string> = {}) {
  const app = await startAppProcess(
    'src/entrypoints/start.ts',
    {
      TRIPSAGA_DATA_DIR: dataDir,
      PORT: '0',
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_TASK_QUEUE: `start-${randomUUID()}`,
      NATS_URL: natsUrl ?? '',
      NATS_SUBJECT_ROOT: topology.root,
      MIGRATE_ON_START: 'true',
      DATABASE_URL: '',
      ...env,
    },
    /"msg":"events: /,
    120_000,
  );
  processes.push(app);
  const api = `http://127.0.0.1:${/API on http:\/\/localhost:(\d+)/.exec(app.output())?.[1]}`;
  const events = /events: NATS JetStream at (nats:\/\/[\w.:-]+)/.exec(app.output())?.[1] as string;
  // The tokens npm start prints, as a person would copy them.
  const operatorToken = /operator token \(.*?\): ([\w.-]+)/.exec(app.output())?.[1];
  const demoTravelerToken = /traveler token for ada@example\.com \(.*?\): ([\w.-]+)/.exec(app.output())?.[1];
  expect(operatorToken).toBeDefined();
  const post = async (url: string, token: string, body: unknown) =>
    (await fetch(`${api}${url}`, { method: 'POST', headers: { 'content-type': 'application/json', ...bearer(token) }, body: JSON.stringify(body) })).json();
  const bookTrip = async (email: string) => {
    const offer = async (kind: string) => (await post('/offers', operatorToken!, { kind, name: `${kind} ${randomUUID().slice(0, 4)}`, capacity: 5, price: { amount: 1_000, currency: 'EUR' } })).id;
    const [flight, hotel, car] = [await offer('flight'), await offer('hotel'), await offer('car')];
    const accepted = await post('/bookings', await mintTravelerToken(dataDir, email), { traveler: { name: 'Ada', email }, flight: { offerId: flight, seats: 1 }, hotel: { offerId: hotel, rooms: 1 }, car: { offerId: car } });
    return accepted.bookingId as string;
  };
  const trips = async (email: string) => (await (await fetch(`${api}/travelers/${email}/trips`, { headers: bearer(operatorToken!) })).json()) as { trips: { bookingId: string; status: string }[] };
  const confirmed = (email: string, bookingId: string) =>
    waitUntil(`trip ${bookingId} in the read model`, async () => (await trips(email)).trips.find((t) => t.bookingId === bookingId && t.status === 'CONFIRMED'), 60_000, 250);
  const metrics = async () => (await fetch(`${api}/metrics`)).text();
  const bookingsInStream = async () => {
    const nc = await connect({ servers: events });
    try {
      return new Set((await readStream(nc, topology.eventsStream)).map((m) => m.event.subject));
    } finally {
      await nc.close();
    }
  };
  const stop = async () => {
    const exited = once(app.child, 'exit');
    app.child.kill('SIGTERM');
    const [code] = await exited;
    expect(code).toBe(0);
  };
  return { app, api, demoTravelerToken, events, bookTrip, trips, confirmed, metrics, bookingsInStream, stop };
}

it('npm start runs the relay and consumers on a nats-server of its own, keeps its store across restarts, and uses NATS_URL when set', async () => {
  const email = `start+${randomUUID().slice(0, 8)}@example.com`;

  const first = await npmStart(undefined);
  expect(first.app.output()).toMatch(/events: NATS JetStream at nats:\/\/127\.0\.0\.1:\d+ \(own nats-server, store in .*nats\)/);
  const ownServer = Number(await readFile(path.join(dataDir, 'nats', 'nats-server.pid'), 'utf8'));
  // The signing key is its owner's alone; the demo traveler's token reads Ada's trips and nobody else's.
  expect((await stat(path.join(dataDir, 'auth', 'signing-key.jwk.json'))).mode & 0o777).toBe(0o600);
  expect((await fetch(`${first.api}/travelers/ada@example.com/trips`, { headers: bearer(first.demoTravelerToken!) })).status).toBe(200);
  expect((await fetch(`${first.api}/travelers/${email}/trips`, { headers: bearer(first.demoTravelerToken!) })).status).toBe(403);
  expect((await fetch(`${first.api}/offers`)).status).toBe(401);
  const firstTrip = await first.bookTrip(email);
  await first.confirmed(email, firstTrip);
  await waitUntil('the outbox backlog at 0', async () => (await first.metrics()).includes('tripsaga_outbox_backlog_events{transport="jetstream"} 0'), 10_000);
  expect(await first.metrics()).toContain('tripsaga_consumer_events_total{consumer="notifier",outcome="applied"} 1');
  // One endpoint for everything this process runs: its API's requests, its worker's saga and Temporal SDK metrics.
  const everything = await first.metrics();
  expect(everything).toMatch(/^tripsaga_http_request_duration_seconds_count\{method="POST",route="\/bookings",status_class="2xx"\} 1$/m);
  expect(everything).toContain('tripsaga_saga_outcomes_total{status="CONFIRMED",failed_step="none"} 1');
  expect(everything).toMatch(/^temporal_worker_task_slots_available\{.*worker_type="ActivityWorker".*\} \d+$/m);
  await first.stop();
  // Stopped with it: no server left running, no pid file left behind.
  expect(isProcessAlive(ownServer)).toBe(false);
  await expect(access(path.join(dataDir, 'nats', 'nats-server.pid'))).rejects.toThrow();

  const second = await npmStart(undefined);
  const secondTrip = await second.bookTrip(email);
  await second.confirmed(email, secondTrip);
  // The stream kept the first run's events, and the durable consumers their place: nothing was applied twice.
  // Each trip's charge announced the wallet's events under the wallet's stream id (one traveler: one wallet).
  expect(await second.bookingsInStream()).toEqual(new Set([firstTrip, secondTrip, `wallet-${email}`]));
  expect(await second.metrics()).toContain('tripsaga_consumer_events_total{consumer="notifier",outcome="applied"} 1');
  await second.stop();

  // Its prune job too, as in the relay and consumers processes: the earlier runs' settled rows are old enough here.
  const external = await npmStart(sharedNatsUrl, { PRUNE_AFTER: '1s', PRUNE_EVERY: '1s' });
  expect(external.events).toBe(sharedNatsUrl);
  expect(external.app.output()).not.toContain('own nats-server');
  const thirdTrip = await external.bookTrip(email);
  await external.confirmed(email, thirdTrip);
  expect((await external.trips(email)).trips.map((t) => [t.bookingId, t.status])).toEqual([
    [thirdTrip, 'CONFIRMED'],
    [secondTrip, 'CONFIRMED'],
    [firstTrip, 'CONFIRMED'],
  ]);
  expect(await external.bookingsInStream()).toEqual(new Set([thirdTrip, `wallet-${email}`]));
  await waitUntil('npm start to prune the outbox and the inboxes', async () => /"msg":"pruned [1-9]\d* outbox row\(s\), [1-9]\d* inbox row\(s\)/.test(external.app.output()), 30_000, 250);
  await external.stop();
}, 300_000);
