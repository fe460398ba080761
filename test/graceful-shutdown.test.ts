import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../src/lib/free-port.ts';
import { type RunningChild, startEntryPoint } from './support/child-process.ts';
import { type Harness, startHarness } from './support/harness.ts';
import { untilSomeoneWaitsOnALock } from './support/lock-waits.ts';

// SIGTERM is how deployments stop processes. Work already started must finish, not be cut off.
let h: Harness;
const running: RunningChild[] = [];
beforeAll(async () => {
  h = await startHarness({ worker: false });
});
afterAll(async () => {
  for (const { child } of running) child.kill('SIGKILL');
  await h?.stop();
});

const baseEnv = () => ({ DATABASE_URL: h.databaseUrl, TEMPORAL_ADDRESS: h.temporalAddress, TEMPORAL_TASK_QUEUE: h.taskQueue, MIGRATE_ON_START: 'false' });

describe('graceful shutdown on SIGTERM', () => {
  it('the worker lets the activity in flight finish before it exits', async () => {
    const offers = await h.tripOffers();
    const blocker = new pg.Client({ connectionString: h.databaseUrl });
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query('SELECT id FROM offers WHERE id = $1 FOR UPDATE', [offers.flight.id]);
    const worker = await startEntryPoint('src/entrypoints/worker.ts', baseEnv(), /polling task queue/);
    running.push(worker);
    const id = await h.book(h.request({ flight: offers.flight.id, hotel: offers.hotel.id }));
    await untilSomeoneWaitsOnALock(blocker);

    worker.child.kill('SIGTERM');
    await sleep(1_000);
    expect(worker.child.exitCode).toBeNull(); // still draining: the flight reservation is mid-transaction
    await blocker.query('COMMIT');
    await blocker.end();

    expect(await worker.exited).toBe(0);
    expect(worker.output()).toMatch(/stopped/);
    // The activity's work committed and was reported, not abandoned to a timeout and a retry.
    expect(await h.eventTypes(id)).toEqual(['booking.requested', 'booking.status-changed', 'flight.reserved']);
    const history = await h.temporal.workflow.getHandle(id).fetchHistory();
    const completed = (history.events ?? []).filter((e) => e.activityTaskCompletedEventAttributes);
    expect(completed).toHaveLength(1);
  });

  it('the API finishes the request in flight, then exits', async () => {
    const offers = await h.tripOffers();
    const port = await freePort();
    const api = await startEntryPoint('src/entrypoints/api.ts', { ...baseEnv(), PORT: String(port) }, /listening on/);
    running.push(api);
    const blocker = new pg.Client({ connectionString: h.databaseUrl });
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE bookings IN EXCLUSIVE MODE');

    const inFlight = fetch(`http://127.0.0.1:${port}/bookings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(h.request({ flight: offers.flight.id, hotel: offers.hotel.id })),
    });
    await untilSomeoneWaitsOnALock(blocker);
    api.child.kill('SIGTERM');
    await sleep(500);
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow(); // no new connections
    await blocker.query('COMMIT');
    await blocker.end();

    const response = await inFlight;
    expect(response.status).toBe(202);
    expect(await api.exited).toBe(0);
  });
});
