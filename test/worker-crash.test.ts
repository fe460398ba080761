import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Harness, startHarness } from './support/harness.ts';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
let h: Harness;
const children: ChildProcess[] = [];

beforeAll(async () => {
  h = await startHarness({ worker: false });
});
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await h?.stop();
});

/** `npm run worker` as a separate process (node --import tsx, so the pid we kill is the worker itself). */
async function startWorkerProcess(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/worker/main.ts'], {
    cwd: repoRoot,
    env: {
      ...process.env,
      DATABASE_URL: h.databaseUrl,
      TEMPORAL_ADDRESS: h.temporalAddress,
      TEMPORAL_TASK_QUEUE: h.taskQueue,
      MIGRATE_ON_START: 'false',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stderr?.on('data', (chunk) => (output += chunk));
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk;
      if (output.includes('polling task queue')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`worker exited with ${code}:\n${output}`)));
  });
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
  const deadline = Date.now() + 30_000;
  // Lock waits in this database only (the server is shared with other runs), asked outside the blocking transaction,
  // inside which pg_stat_activity would be a snapshot.
  const waiting = () => h.prisma.$queryRaw<unknown[]>`SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`;
  while ((await waiting()).length === 0) {
    if (Date.now() > deadline) throw new Error('the hotel step never started');
    await sleep(100);
  }
  expect(await h.eventTypes(id)).toEqual(['booking.requested', 'flight.reserved']);

  first.kill('SIGKILL');
  await once(first, 'exit');
  await blocker.query('ROLLBACK');
  await blocker.end();

  await startWorkerProcess();
  await h.waitForStatus(id, 'CONFIRMED', 60_000);

  expect(await h.eventTypes(id)).toEqual(['booking.requested', 'flight.reserved', 'hotel.reserved', 'car.reserved', 'booking.confirmed']);
  expect(await h.prisma.reservation.count({ where: { bookingId: id } })).toBe(3);
  expect([await h.available(offers.flight.id), await h.available(offers.hotel.id), await h.available(offers.car.id)]).toEqual([8, 9, 9]);
  const steps = await h.prisma.sagaStep.findMany({ where: { bookingId: id }, orderBy: { createdAt: 'asc' } });
  expect(steps.map((s) => s.step)).toEqual(['reserve-flight', 'reserve-hotel', 'reserve-car', 'outcome-confirmed']);
}, 120_000);
