import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openDatabase } from '../src/db/open-database.ts';
import { isProcessAlive } from '../src/lib/pid-lock.ts';
import { freePort } from '../src/lib/free-port.ts';
import { waitUntil } from './support/direct-trips.ts';
import { type AppProcess, startAppProcess } from './support/processes.ts';
import { bearer, mintTravelerToken } from './support/tokens.ts';

// The embedded default as a person runs it: `npm start` alone (PGlite, its own Temporal dev server and nats-server),
// killed with SIGKILL while sagas run, then started again on the same data directory. The sagas must finish
// and nothing may happen twice: no unit taken twice, no event written twice, no trip or email applied twice.
let dataDir: string;
const processes: AppProcess[] = [];

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'tripsaga-start-crash-'));
});
afterAll(async () => {
  for (const app of processes) await app.kill('SIGKILL');
  // A SIGKILLed npm start leaves its servers behind (its next start stops them): if the test failed before that, stop them here.
  for (const pidFile of [path.join(dataDir, 'nats', 'nats-server.pid'), path.join(dataDir, 'temporal-dev-server.pid')]) {
    const orphan = Number(await readFile(pidFile, 'utf8').catch(() => ''));
    if (orphan && isProcessAlive(orphan)) process.kill(orphan, 'SIGKILL');
  }
  await rm(dataDir, { recursive: true, force: true });
});

async function npmStart(ports: { temporal: number; ui: number }) {
  const app = await startAppProcess(
    'src/entrypoints/start.ts',
    {
      TRIPSAGA_DATA_DIR: dataDir,
      PORT: '0',
      TEMPORAL_ADDRESS: '',
      DATABASE_URL: '',
      TEMPORAL_DEV_PORT: String(ports.temporal),
      TEMPORAL_UI_PORT: String(ports.ui),
      NATS_URL: '',
      MIGRATE_ON_START: 'true',
      // Eight trips of one traveler run at once here: no cap on running sagas.
      MAX_RUNNING_SAGAS_PER_TRAVELER: '0',
    },
    /"msg":"events: /,
    180_000,
  );
  processes.push(app);
  const api = `http://127.0.0.1:${/API on http:\/\/localhost:(\d+)/.exec(app.output())?.[1]}`;
  // The operator's token npm start prints: it may create offers and read every booking.
  const operatorToken = /operator token \(.*?\): ([\w.-]+)/.exec(app.output())?.[1] ?? '';
  const call = async (method: string, url: string, body?: unknown, token = operatorToken) => {
    const res = await fetch(`${api}${url}`, {
      method,
      headers: { 'content-type': 'application/json', ...bearer(token) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return (await res.json()) as Record<string, unknown>;
  };
  return { app, call };
}

it('npm start killed with SIGKILL mid-saga finishes its sagas after a restart, with nothing done twice', async () => {
  const ports = { temporal: await freePort(), ui: await freePort() };
  const first = await npmStart(ports);
  const offer = async (kind: string, capacity: number) => (await first.call('POST', '/offers', { kind, name: `${kind} ${randomUUID().slice(0, 4)}`, capacity, price: { amount: 1_000, currency: 'EUR' } })).id as string;
  const [flight, hotel, car] = [await offer('flight', 50), await offer('hotel', 50), await offer('car', 50)];
  const email = `crash+${randomUUID().slice(0, 8)}@example.com`;
  const traveler = await mintTravelerToken(dataDir, email);
  const bookingIds = await Promise.all(
    Array.from({ length: 8 }, async (_, i) => {
      const trip = { traveler: { name: `Ada ${i}`, email }, flight: { offerId: flight, seats: 2 }, hotel: { offerId: hotel, rooms: 1 }, car: { offerId: car } };
      const accepted = await first.call('POST', '/bookings', trip, traveler);
      return accepted.bookingId as string;
    }),
  );
  // Killed while the sagas are still running: at least one has not finished.
  const statuses = await Promise.all(bookingIds.map(async (id) => (await first.call('GET', `/bookings/${id}`)).status));
  await first.app.kill('SIGKILL');
  expect(statuses).toContain('PENDING');

  const second = await npmStart(ports);
  await waitUntil(
    'every saga finished',
    async () => (await Promise.all(bookingIds.map(async (id) => (await second.call('GET', `/bookings/${id}`)).status))).every((s) => s === 'CONFIRMED'),
    120_000,
    500,
  );
  // No unit taken twice: each offer lost exactly what the eight trips hold.
  expect((await second.call('GET', `/offers/${flight}`)).available).toBe(50 - 16);
  expect((await second.call('GET', `/offers/${hotel}`)).available).toBe(50 - 8);
  expect((await second.call('GET', `/offers/${car}`)).available).toBe(50 - 8);
  for (const id of bookingIds) {
    const { events } = (await second.call('GET', `/bookings/${id}/events`)) as { events: { sequence: number; type: string }[] };
    // Each event once, numbered without gaps: a step that ran again after the crash wrote nothing new.
    expect(events.map((e) => e.sequence)).toEqual(events.map((_, i) => i + 1));
    const types = events.map((e) => e.type);
    expect(types.filter((t) => t.endsWith('.reserved'))).toHaveLength(3);
    expect(types.filter((t) => t.endsWith('payment.charged'))).toHaveLength(1);
    expect(types.filter((t) => t.endsWith('booking.confirmed'))).toHaveLength(1);
  }
  // The read model and the notifier applied each booking once, across the crash.
  await waitUntil('the trips in the read model', async () => {
    const { trips } = (await second.call('GET', `/travelers/${email}/trips`)) as { trips: { status: string }[] };
    return trips.length === 8 && trips.every((t) => t.status === 'CONFIRMED');
  }, 60_000, 500);
  const stopped = second.app.child.exitCode !== null ? Promise.resolve() : new Promise((resolve) => second.app.child.once('exit', resolve));
  second.app.child.kill('SIGTERM');
  await stopped;

  // With the app stopped, its embedded database tells the rest: every event passed each consumer's inbox once,
  // and every email the notifier owed was written once.
  const db = await openDatabase({ dataDir, migrate: false });
  try {
    const events = await db.prisma.outboxEvent.count({ where: { aggregateId: { in: bookingIds } } });
    for (const consumer of ['trip-summaries', 'notifier', 'status-updates']) {
      expect(await db.prisma.consumerInboxEvent.count({ where: { consumer, bookingId: { in: bookingIds } } }), consumer).toBe(events);
    }
    const applied = await db.prisma.consumerInboxEvent.count({ where: { consumer: 'notifier', outcome: 'applied', bookingId: { in: bookingIds } } });
    expect(applied).toBeGreaterThan(0);
    expect(await db.prisma.outgoingEmail.count({ where: { bookingId: { in: bookingIds } } })).toBe(applied);
  } finally {
    await db.close();
  }
}, 420_000);
