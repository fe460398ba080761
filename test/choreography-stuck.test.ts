import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTripOverseer, type TripOverseer } from '../src/choreography/overseer.ts';
import { choreographyConsumers, choreographySteps } from '../src/choreography/services.ts';
import { runStuckTripsCommand } from '../src/operations/stuck-trips-command.ts';
import { systemClock } from '../src/lib/clock.ts';
import { type EventPipeline, startEventPipeline } from '../src/pipeline/event-pipeline.ts';
import { ensureStreams } from '../src/transport/jetstream/topology.ts';
import { walletPaymentMethod } from '../src/wallet/wallet-payment-method.ts';
import { defaultWalletSettings } from '../src/wallet/wallet-settings.ts';
import { waitUntil } from './support/direct-trips.ts';
import { confirmedTripEvents } from './support/expected-events.ts';
import { type Harness, startHarness } from './support/harness.ts';
import { removeTopology, sharedNatsUrl, uniqueTopology } from './support/nats.ts';
import { createOwnDatabase } from './support/own-database.ts';

// A choreographed trip whose next service (the hotel) is down for longer than the step deadline: the overseer
// reports it and raises its gauge; one trip is compensated by timing the step out, the other resumes when the hotel
// service comes back, and the timed-out one stays undone.
const topology = uniqueTopology();
const deps = { clock: systemClock, payments: walletPaymentMethod(defaultWalletSettings) };
let h: Harness;
let ownDb: Awaited<ReturnType<typeof createOwnDatabase>>;
let overseer: TripOverseer;
const pipelines: EventPipeline[] = [];

beforeAll(async () => {
  ownDb = await createOwnDatabase('choreography_stuck');
  h = await startHarness({ worker: false, databaseUrl: ownDb.url });
  const nc = await connect({ servers: sharedNatsUrl });
  await ensureStreams(await jetstreamManager(nc), topology);
  await nc.close();
  overseer = createTripOverseer({ prisma: h.prisma, services: choreographySteps(deps), deadlineMs: 1_000, clock: systemClock, registry: h.metrics.registry });
});
afterAll(async () => {
  for (const pipeline of pipelines) await pipeline.stop();
  await removeTopology(sharedNatsUrl, topology);
  await h?.stop();
  await ownDb?.drop();
});

function startPipeline(relay: boolean, services: (name: string) => boolean) {
  const pipeline = startEventPipeline({
    db: h.db,
    natsUrl: sharedNatsUrl,
    natsSubjectRoot: topology.root,
    metrics: h.metrics,
    relay,
    consumers: choreographyConsumers(deps).filter((c) => services(c.name)),
    runnerOptions: { orderWaitMs: 100 },
  });
  pipelines.push(pipeline);
}

const stuckGauge = async (service: string) =>
  (await h.metrics.registry.getSingleMetric('tripsaga_choreography_stuck_trips')!.get()).values.find((v) => v.labels.waiting_for === service)?.value;

it('reports a trip stuck past the deadline; one is compensated on request, the other resumes when the service is back', async () => {
  startPipeline(true, (name) => name !== 'choreography-hotel');
  const offers = await h.tripOffers();
  const request = () => ({ ...h.request({ flight: offers.flight.id, hotel: offers.hotel.id, car: offers.car.id }, 1, 1), coordination: 'choreography' as const });
  const resumed = await h.book(request());
  const timedOut = await h.book(request());

  const stuck = await waitUntil('the overseer to see both trips stuck at the hotel', async () => {
    const trips = await overseer.check();
    return trips.length === 2 && trips.every((t) => t.lastEvent === 'com.tripsaga.flight.reserved') ? trips : undefined;
  }, 60_000);
  expect(stuck.map((t) => [t.lastEvent, t.waitingFor])).toEqual([
    ['com.tripsaga.flight.reserved', [{ service: 'choreography-hotel', step: 'hotel', action: 'run' }]],
    ['com.tripsaga.flight.reserved', [{ service: 'choreography-hotel', step: 'hotel', action: 'run' }]],
  ]);
  expect(await stuckGauge('choreography-hotel')).toBe(2);
  expect(await stuckGauge('choreography-car')).toBe(0);
  expect(await h.available(offers.flight.id)).toBe(8);

  // The operator's view (npm run trips:stuck), then one trip compensated: its hotel step is timed out, and the flight
  // service gives its seat back as for any refusal.
  const lines: string[] = [];
  const io = { out: (line: string) => lines.push(line), err: (line: string) => lines.push(line) };
  expect(await runStuckTripsCommand(['list'], overseer, io)).toBe(0);
  expect(lines.filter((line) => line.includes('waiting for choreography-hotel (run hotel)')).map((line) => line.split(' ')[0]).sort()).toEqual([resumed, timedOut].sort());
  expect(await runStuckTripsCommand(['time-out', timedOut], overseer, io)).toBe(0);
  const undone = await h.waitForStatus(timedOut, 'COMPENSATED');
  expect(undone.failureReason).toMatch(/^hotel: StepTimedOut: choreography-hotel did not answer com\.tripsaga\.flight\.reserved within \d+ s$/);
  expect(await h.available(offers.flight.id)).toBe(9);
  expect(await runStuckTripsCommand(['time-out', timedOut], overseer, io)).toBe(1);
  expect(lines.at(-1)).toMatch(/is not a choreographed trip stuck/);
  expect((await overseer.check()).map((t) => t.bookingId)).toEqual([resumed]);

  // The hotel service back: the waiting trip resumes; the timed-out step refuses instead of taking a room.
  startPipeline(false, (name) => name === 'choreography-hotel');
  await h.waitForStatus(resumed, 'CONFIRMED', 60_000);
  expect(await h.eventTypes(resumed)).toEqual([...confirmedTripEvents]);
  await waitUntil('the hotel service to settle the timed-out trip', async () =>
    (await h.prisma.consumerInboxEvent.count({ where: { consumer: 'choreography-hotel', bookingId: timedOut } })) ===
    (await h.prisma.outboxEvent.count({ where: { aggregateId: timedOut } })),
  );
  expect((await h.eventTypes(timedOut)).filter((t) => t === 'hotel.refused')).toHaveLength(2);
  expect(await h.prisma.reservation.count({ where: { bookingId: timedOut, kind: 'hotel' } })).toBe(0);
  expect([await h.available(offers.flight.id), await h.available(offers.hotel.id)]).toEqual([9, 9]);
  expect((await h.prisma.booking.findUniqueOrThrow({ where: { id: timedOut } })).status).toBe('COMPENSATED');
  expect(await overseer.check()).toEqual([]);
  expect(await stuckGauge('choreography-hotel')).toBe(0);
}, 120_000);
