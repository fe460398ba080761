import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startEntryPoint } from './support/child-process.ts';
import { type Harness, startHarness } from './support/harness.ts';
import { untilSomeoneWaitsOnALock } from './support/lock-waits.ts';
import { confirmedTripEvents } from './support/expected-events.ts';

let h: Harness;
const children: ChildProcess[] = [];

beforeAll(async () => {
  h = await startHarness({ worker: false });
});
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await h?.stop();
});

/** `npm run worker` as a separate process on this suite's task queue. */
async function startWorkerProcess(): Promise<ChildProcess> {
  const { child } = await startEntryPoint(
    'src/entrypoints/worker.ts',
    { DATABASE_URL: h.databaseUrl, TEMPORAL_ADDRESS: h.temporalAddress, TEMPORAL_TASK_QUEUE: h.taskQueue, MIGRATE_ON_START: 'false' },
    /polling task queue/,
  );
  children.push(child);
  return child;
}

it('a worker killed with SIGKILL mid-saga: a new worker finishes the saga and nothing is duplicated', async () => {
  const offers = await h.tripOffers();
  // Park the hotel step inside its transaction so the kill lands mid-saga, with a step in flight.
  const blocker = new pg.Client({ connectionString: h.databaseUrl });
  await blocker.connect();
  await blocker.query('BEGIN');
  await blocker.query('SELECT id FROM offers WHERE id = $1 FOR UPDATE', [offers.hotel.id]);

  const first = await startWorkerProcess();
  const id = await h.book(h.request({ flight: offers.flight.id, hotel: offers.hotel.id, car: offers.car.id }, 2, 1));
  await untilSomeoneWaitsOnALock(blocker);
  expect(await h.eventTypes(id)).toEqual(['booking.requested', 'booking.status-changed', 'flight.reserved']);

  first.kill('SIGKILL');
  await once(first, 'exit');
  await blocker.query('ROLLBACK');
  await blocker.end();

  await startWorkerProcess();
  await h.waitForStatus(id, 'CONFIRMED', 60_000);

  expect(await h.eventTypes(id)).toEqual([...confirmedTripEvents]);
  expect(await h.prisma.reservation.count({ where: { bookingId: id } })).toBe(3);
  expect([await h.available(offers.flight.id), await h.available(offers.hotel.id), await h.available(offers.car.id)]).toEqual([8, 9, 9]);
  const steps = await h.prisma.sagaStep.findMany({ where: { bookingId: id }, orderBy: { createdAt: 'asc' } });
  expect(steps.map((s) => s.step)).toEqual(['reserve-flight', 'reserve-hotel', 'reserve-car', 'charge-payment', 'outcome-confirmed']);
}, 120_000);
