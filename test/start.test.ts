import { randomUUID } from 'node:crypto';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { stat } from 'node:fs/promises';
import { promisify } from 'node:util';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { connect } from '@nats-io/transport-node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { inject } from 'vitest';
import { waitUntil } from './support/direct-trips.ts';
import { readStream, removeTopology, sharedNatsUrl, uniqueTopology } from './support/nats.ts';
import { type AppProcess, startAppProcess } from './support/processes.ts';
import { bearer } from './support/tokens.ts';

// `npm start` as a person runs it: one process, the embedded database, the relay and consumers inside. First with no
// broker reachable (the embedded path), then on the same data directory with NATS (the JetStream path).
const run = promisify(execFile);
const topology = uniqueTopology();
let dataDir: string;
const processes: AppProcess[] = [];

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'tripsaga-start-'));
});
afterAll(async () => {
  for (const app of processes) await app.kill('SIGKILL');
  await removeTopology(sharedNatsUrl, topology);
  await rm(dataDir, { recursive: true, force: true });
});

/** `npm run token -- --traveler EMAIL`, on the same data directory: signed with the key npm start made. */
async function mintTraveler(email: string): Promise<string> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', 'src/entrypoints/token.ts', '--traveler', email], {
    env: { ...process.env, TRIPSAGA_DATA_DIR: dataDir },
  });
  return stdout.trim();
}

async function npmStart(natsUrl: string) {
  const app = await startAppProcess(
    'src/main.ts',
    {
      TRIPSAGA_DATA_DIR: dataDir,
      PORT: '0',
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_TASK_QUEUE: `start-${randomUUID()}`,
      NATS_URL: natsUrl,
      NATS_SUBJECT_ROOT: topology.root,
      MIGRATE_ON_START: 'true',
      DATABASE_URL: '',
    },
    /\[tripsaga\] events: /,
    120_000,
  );
  processes.push(app);
  const api = `http://127.0.0.1:${/API on http:\/\/localhost:(\d+)/.exec(app.output())?.[1]}`;
  // The tokens npm start prints, as a person would copy them.
  const operatorToken = /operator token \(.*\): (\S+)/.exec(app.output())?.[1];
  const demoTravelerToken = /traveler token for ada@example\.com \(.*\): (\S+)/.exec(app.output())?.[1];
  expect(operatorToken).toBeDefined();
  const post = async (url: string, token: string, body: unknown) =>
    (await fetch(`${api}${url}`, { method: 'POST', headers: { 'content-type': 'application/json', ...bearer(token) }, body: JSON.stringify(body) })).json();
  const bookTrip = async (email: string) => {
    const offer = async (kind: string) => (await post('/offers', operatorToken!, { kind, name: `${kind} ${randomUUID().slice(0, 4)}`, capacity: 5, price: { amount: 1_000, currency: 'EUR' } })).id;
    const [flight, hotel, car] = [await offer('flight'), await offer('hotel'), await offer('car')];
    const accepted = await post('/bookings', await mintTraveler(email), { traveler: { name: 'Ada', email }, flight: { offerId: flight, seats: 1 }, hotel: { offerId: hotel, rooms: 1 }, car: { offerId: car } });
    return accepted.bookingId as string;
  };
  const trips = async (email: string) => (await (await fetch(`${api}/travelers/${email}/trips`, { headers: bearer(operatorToken!) })).json()) as { trips: { bookingId: string; status: string }[] };
  const metrics = async () => (await fetch(`${api}/metrics`)).text();
  const stop = async () => {
    const exited = once(app.child, 'exit');
    app.child.kill('SIGTERM');
    const [code] = await exited;
    expect(code).toBe(0);
  };
  return { app, api, demoTravelerToken, bookTrip, trips, metrics, stop };
}

it('npm start runs the relay and consumers: on the embedded event log without a broker, then on JetStream', async () => {
  const email = `start+${randomUUID().slice(0, 8)}@example.com`;

  const embedded = await npmStart('nats://127.0.0.1:1');
  expect(embedded.app.output()).toContain('events: embedded event log');
  // The signing key is its owner's alone; the demo traveler's token reads Ada's trips and nobody else's.
  expect((await stat(path.join(dataDir, 'auth', 'signing-key.jwk.json'))).mode & 0o777).toBe(0o600);
  expect((await fetch(`${embedded.api}/travelers/ada@example.com/trips`, { headers: bearer(embedded.demoTravelerToken!) })).status).toBe(200);
  expect((await fetch(`${embedded.api}/travelers/${email}/trips`, { headers: bearer(embedded.demoTravelerToken!) })).status).toBe(403);
  expect((await fetch(`${embedded.api}/offers`)).status).toBe(401);
  const first = await embedded.bookTrip(email);
  await waitUntil('the trip in the read model', async () => (await embedded.trips(email)).trips.find((t) => t.bookingId === first && t.status === 'CONFIRMED'), 60_000, 250);
  const embeddedMetrics = await embedded.metrics();
  expect(embeddedMetrics).toContain('tripsaga_outbox_backlog_events{transport="embedded"} 0');
  expect(embeddedMetrics).toContain('tripsaga_consumer_events_total{consumer="notifier",outcome="applied"} 1');
  await embedded.stop();

  const onNats = await npmStart(sharedNatsUrl);
  expect(onNats.app.output()).toContain(`events: NATS JetStream at ${sharedNatsUrl}`);
  const second = await onNats.bookTrip(email);
  await waitUntil('the second trip in the read model', async () => (await onNats.trips(email)).trips.find((t) => t.bookingId === second && t.status === 'CONFIRMED'), 60_000, 250);
  expect((await onNats.trips(email)).trips.map((t) => [t.bookingId, t.status])).toEqual([
    [second, 'CONFIRMED'],
    [first, 'CONFIRMED'],
  ]);
  const natsMetrics = await onNats.metrics();
  await waitUntil('the JetStream backlog at 0', async () => (await onNats.metrics()).includes('tripsaga_outbox_backlog_events{transport="jetstream"} 0'), 10_000);
  // The first trip's events, already applied from the embedded log, reached JetStream too and were recognised as
  // already applied: one email per trip.
  expect(natsMetrics).toContain('tripsaga_consumer_events_total{consumer="notifier",outcome="applied"} 1');
  const nc = await connect({ servers: sharedNatsUrl });
  const bookingsInStream = new Set((await readStream(nc, topology.eventsStream)).map((m) => m.event.subject));
  await nc.close();
  expect(bookingsInStream).toEqual(new Set([first, second]));
  await onNats.stop();
}, 240_000);
