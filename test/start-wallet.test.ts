import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { waitUntil } from './support/direct-trips.ts';
import { removeTopology, sharedNatsUrl, uniqueTopology } from './support/nats.ts';
import { type AppProcess, startAppProcess } from './support/processes.ts';

// The README's wallet walk-through against `npm start` as a newcomer runs it: one process on the embedded PostgreSQL
// (PGlite: one session, every transaction serialized), the worker, the relay and the consumers inside it.
const topology = uniqueTopology();
let dataDir: string;
let app: AppProcess | undefined;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'tripsaga-start-wallet-'));
});
afterAll(async () => {
  await app?.kill('SIGKILL');
  await removeTopology(sharedNatsUrl, topology);
  await rm(dataDir, { recursive: true, force: true });
});

type WalletEvent = { type: string; streamPosition: number; data: { amount?: number; openingCredit?: number; bookingId?: string } };

it('npm start on the embedded database: a deposit, a booking charged to the wallet, a cancellation refunded', async () => {
  app = await startAppProcess(
    'src/entrypoints/start.ts',
    {
      TRIPSAGA_DATA_DIR: dataDir,
      PORT: '0',
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_TASK_QUEUE: `start-wallet-${randomUUID()}`,
      NATS_URL: sharedNatsUrl,
      NATS_SUBJECT_ROOT: topology.root,
      MIGRATE_ON_START: 'true',
      DATABASE_URL: '',
      WALLET_OPENING_CREDIT: '50000',
    },
    /\[tripsaga\] events: /,
    120_000,
  );
  expect(app.output()).toContain('database: embedded');
  const api = `http://127.0.0.1:${/API on http:\/\/localhost:(\d+)/.exec(app.output())?.[1]}`;
  const call = async (method: string, url: string, body?: unknown) => {
    const res = await fetch(`${api}${url}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, body: await res.json() };
  };
  const email = `grace+${randomUUID().slice(0, 8)}@example.com`;
  const wallet = `/travelers/${email}/wallet`;

  const deposit = await call('POST', `${wallet}/deposits`, { amount: { amount: 20_000, currency: 'EUR' } });
  expect(deposit).toMatchObject({ status: 201, body: { balance: { amount: 70_000, currency: 'EUR' }, version: 2 } });

  const offer = async (kind: string, amount: number) => (await call('POST', '/offers', { kind, name: `${kind} ${randomUUID().slice(0, 4)}`, capacity: 5, price: { amount, currency: 'EUR' } })).body.id;
  const trip = { flight: await offer('flight', 12_900), hotel: await offer('hotel', 15_000), car: await offer('car', 3_000) };
  const total = 2 * 12_900 + 15_000 + 3_000;
  const booked = await call('POST', '/bookings', {
    traveler: { name: 'Grace Hopper', email },
    flight: { offerId: trip.flight, seats: 2 },
    hotel: { offerId: trip.hotel, rooms: 1 },
    car: { offerId: trip.car },
  });
  const bookingId = booked.body.bookingId as string;
  await waitUntil('the booking confirmed', async () => (await call('GET', `/bookings/${bookingId}`)).body.status === 'CONFIRMED', 60_000, 250);
  expect((await call('GET', wallet)).body).toMatchObject({ balance: { amount: 70_000 - total }, openCharges: [{ bookingId, amount: { amount: total } }] });

  expect((await call('POST', `/bookings/${bookingId}/cancel`, { reason: 'plans changed' })).status).toBe(202);
  await waitUntil('the booking cancelled', async () => (await call('GET', `/bookings/${bookingId}`)).body.status === 'CANCELLED', 60_000, 250);

  const events = (await call('GET', `${wallet}/events`)).body.events as WalletEvent[];
  expect(events.map((e) => [e.type.replace('com.tripsaga.wallet.', ''), e.streamPosition, e.data.bookingId ?? null])).toEqual([
    ['opened', 1, null],
    ['deposited', 2, null],
    ['charged', 3, bookingId],
    ['refunded', 4, bookingId],
  ]);
  const signed = { opened: 1, deposited: 1, charged: -1, refunded: 1 } as Record<string, number>;
  const fold = events.reduce((balance, e) => balance + signed[e.type.replace('com.tripsaga.wallet.', '')]! * (e.data.amount ?? e.data.openingCredit!), 0);
  expect((await call('GET', wallet)).body).toMatchObject({ balance: { amount: fold }, version: 4, openCharges: [] });
  expect(fold).toBe(70_000);

  const statement = await waitUntil('the statement to show the refund', async () => {
    const { lines } = (await call('GET', `${wallet}/statement`)).body as { lines: { kind: string; balanceAfter: number }[] };
    return lines.length === 4 ? lines : undefined;
  }, 30_000, 250);
  expect(statement.map((l) => [l.kind, l.balanceAfter])).toEqual([
    ['opening-credit', 50_000],
    ['deposit', 70_000],
    ['charge', 70_000 - total],
    ['refund', 70_000],
  ]);

  const exited = once(app.child, 'exit');
  app.child.kill('SIGTERM');
  expect((await exited)[0]).toBe(0);
  app = undefined;
}, 240_000);
