import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Coordination } from '../src/bookings/choreographed-booking.ts';
import { type EventPipeline, startEventPipeline } from '../src/pipeline/event-pipeline.ts';
import { ensureStreams } from '../src/transport/jetstream/topology.ts';
import { startEntryPoint } from './support/child-process.ts';
import { confirmedTripEvents } from './support/expected-events.ts';
import { type Harness, startHarness } from './support/harness.ts';
import { untilSomeoneWaitsOnALock } from './support/lock-waits.ts';
import { removeTopology, sharedNatsUrl, uniqueTopology } from './support/nats.ts';
import { createOwnDatabase } from './support/own-database.ts';

// The process that runs a trip's steps, killed with SIGKILL while a step is in its transaction, then started again:
// `npm run worker` for the orchestration, `npm run consumers` (the choreographed services among them) for the
// choreography. The relay runs in this process, on a database and a stream of this file's own.
const topology = uniqueTopology();
let h: Harness;
let ownDb: Awaited<ReturnType<typeof createOwnDatabase>>;
let relay: EventPipeline;
const children: ChildProcess[] = [];

beforeAll(async () => {
  ownDb = await createOwnDatabase('trip_crash');
  h = await startHarness({ worker: false, databaseUrl: ownDb.url });
  const nc = await connect({ servers: sharedNatsUrl });
  await ensureStreams(await jetstreamManager(nc), topology);
  await nc.close();
  relay = startEventPipeline({ db: h.db, natsUrl: sharedNatsUrl, natsSubjectRoot: topology.root, metrics: h.metrics, relay: true, consumers: false });
});
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await relay?.stop();
  await removeTopology(sharedNatsUrl, topology);
  await h?.stop();
  await ownDb?.drop();
});

/** The process that takes the steps of this coordination's trips. */
async function startStepProcess(coordination: Coordination): Promise<ChildProcess> {
  const env = { DATABASE_URL: ownDb.url, MIGRATE_ON_START: 'false' };
  const { child } =
    coordination === 'orchestration'
      ? await startEntryPoint('src/entrypoints/worker.ts', { ...env, TEMPORAL_ADDRESS: h.temporalAddress, TEMPORAL_TASK_QUEUE: h.taskQueue }, /polling task queue/)
      : await startEntryPoint(
          'src/entrypoints/consumers.ts',
          { ...env, NATS_URL: sharedNatsUrl, NATS_SUBJECT_ROOT: topology.root, CHOREOGRAPHY_SERVICES: 'on', PRUNE_AFTER: 'off' },
          /choreography-booking: reading from JetStream/,
        );
  children.push(child);
  return child;
}

describe.each(['orchestration', 'choreography'] as const)('%s', (coordination) => {
  it('the step process killed with SIGKILL mid-trip and started again: the trip finishes, nothing is done twice', async () => {
    const offers = await h.tripOffers();
    const blocker = new pg.Client({ connectionString: ownDb.url });
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query('SELECT id FROM offers WHERE id = $1 FOR UPDATE', [offers.hotel.id]);

    const first = await startStepProcess(coordination);
    const id = await h.book({ ...h.request({ flight: offers.flight.id, hotel: offers.hotel.id, car: offers.car.id }, 2, 1), coordination });
    await untilSomeoneWaitsOnALock(blocker, 60_000);
    expect(await h.eventTypes(id)).toEqual(['booking.requested', 'booking.status-changed', 'flight.reserved']);

    first.kill('SIGKILL');
    await once(first, 'exit');
    await blocker.query('ROLLBACK');
    await blocker.end();

    await startStepProcess(coordination);
    await h.waitForStatus(id, 'CONFIRMED', 90_000);

    expect(await h.eventTypes(id)).toEqual([...confirmedTripEvents]);
    expect(await h.prisma.reservation.count({ where: { bookingId: id } })).toBe(3);
    expect([await h.available(offers.flight.id), await h.available(offers.hotel.id), await h.available(offers.car.id)]).toEqual([8, 9, 9]);
    const steps = await h.prisma.sagaStep.findMany({ where: { bookingId: id }, orderBy: { createdAt: 'asc' } });
    expect(steps.map((s) => s.step)).toEqual(['reserve-flight', 'reserve-hotel', 'reserve-car', 'charge-payment', 'outcome-confirmed']);
  }, 180_000);
});
