import request from 'supertest';
import pg from 'pg';
import { connect } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPipelineMetrics } from '../src/metrics/pipeline-metrics.ts';
import { type EventPipeline, startEventPipeline } from '../src/pipeline/event-pipeline.ts';
import { directTrip, roomyOffers, waitUntil } from './support/direct-trips.ts';
import { type Harness, startHarness } from './support/harness.ts';
import { readStream, startOwnNatsServer, uniqueTopology } from './support/nats.ts';
import { createOwnDatabase } from './support/own-database.ts';

// The pipeline `npm start` runs when NATS_URL is not set: a nats-server of its own (started as npm start starts it,
// JetStream store in a directory of its own), relays and consumers in the process. On the run's PostgreSQL server,
// with concurrent writers and two relays; then across a restart of that server, which keeps its store.
let h: Harness;
let ownDb: Awaited<ReturnType<typeof createOwnDatabase>>;
let nats: Awaited<ReturnType<typeof startOwnNatsServer>>;
let offers: Awaited<ReturnType<typeof roomyOffers>>;
const topology = uniqueTopology();
const pipelines: EventPipeline[] = [];

beforeAll(async () => {
  ownDb = await createOwnDatabase('own_nats');
  nats = await startOwnNatsServer();
  h = await startHarness({ worker: false, databaseUrl: ownDb.url });
  offers = await roomyOffers(h);
});
afterAll(async () => {
  for (const pipeline of pipelines) await pipeline.stop();
  await h?.stop();
  await nats?.remove();
  await ownDb?.drop();
});

function start(parts: { relay: boolean; consumers: boolean }, metrics = createPipelineMetrics()) {
  const pipeline = startEventPipeline({
    db: h.db,
    natsUrl: nats.url,
    natsSubjectRoot: topology.root,
    metrics,
    ...parts,
    relayOptions: { rebalanceIntervalMs: 200 },
    runnerOptions: { maxAttempts: 2, retryDelayMs: 50 },
  });
  pipelines.push(pipeline);
  return pipeline;
}

async function streamed() {
  const nc = await connect({ servers: nats.url });
  try {
    return { events: await readStream(nc, topology.eventsStream), deadLetters: await readStream(nc, topology.deadLetterStream).catch(() => []) };
  } finally {
    await nc.close();
  }
}

const metricValue = (text: string, series: string) => Number(text.split('\n').find((line) => line.startsWith(`${series} `))?.split(' ')[1]);

describe("npm start's event pipeline on a nats-server of its own", () => {
  it('two relays and the consumers: every booking in order in the stream, every event applied exactly once', async () => {
    start({ relay: true, consumers: false });
    start({ relay: true, consumers: false });
    const consumers = start({ relay: false, consumers: true }, h.metrics);

    const trips = [];
    for (let i = 0; i < 4; i += 1) trips.push(...(await Promise.all(Array.from({ length: 8 }, (_, j) => directTrip(h, offers, j % 4 === 0 ? 'compensated' : 'confirmed')))));
    const total = await h.prisma.outboxEvent.count();
    await waitUntil('both consumers to settle every event', async () =>
      (await h.prisma.consumerInboxEvent.count({ where: { consumer: 'trip-summaries' } })) === total &&
      (await h.prisma.consumerInboxEvent.count({ where: { consumer: 'notifier' } })) === total,
    );

    const { events } = await streamed();
    expect(events).toHaveLength(total);
    for (const trip of trips) {
      const inStreamOrder = events.filter((m) => m.event.subject === trip.bookingId).map((m) => m.event.bookingsequence);
      expect(inStreamOrder).toEqual(Array.from({ length: trip.events }, (_, i) => i + 1));
      const applied = await h.prisma.consumerInboxEvent.findMany({ where: { consumer: 'trip-summaries', bookingId: trip.bookingId }, orderBy: { processedAt: 'asc' } });
      expect(applied.map((r) => r.sequence)).toEqual(inStreamOrder);
    }
    const summaries = await h.prisma.tripSummary.groupBy({ by: ['status'], _count: true, where: { bookingId: { in: trips.map((t) => t.bookingId) } } });
    expect(Object.fromEntries(summaries.map((s) => [s.status, s._count]))).toEqual({ CONFIRMED: 24, COMPENSATED: 8 });
    expect(await h.prisma.outgoingEmail.count({ where: { bookingId: { in: trips.map((t) => t.bookingId) } } })).toBe(32);

    const metrics = (await request(h.app).get('/metrics').expect(200)).text;
    expect(metricValue(metrics, 'tripsaga_consumer_events_total{consumer="notifier",outcome="applied"}')).toBe(32);
    await waitUntil('the consumer backlog at 0', async () =>
      metricValue((await request(h.app).get('/metrics').expect(200)).text, 'tripsaga_consumer_backlog_events{consumer="trip-summaries"}') === 0 || undefined,
    );
    await consumers.stop();
  });

  it('after a restart of the server, consumers resume from their durable position: nothing applied twice; a poison event is dead-lettered', async () => {
    await nats.stop();
    await nats.start(); // same port, same store: the stream and the durable consumers are still there
    const trip = await directTrip(h, offers);
    // A row nobody can decode (a consumer could not know what it means), in a booking of its own.
    const client = new pg.Client({ connectionString: h.databaseUrl });
    await client.connect();
    await client.query(
      `INSERT INTO outbox_events (id, aggregate_type, aggregate_id, sequence, type, data, occurred_at)
       VALUES (gen_random_uuid(), 'booking', 'bk_poison', 1, 'com.tripsaga.booking.confirmed', '{"status": 42}', now())`,
    );
    await client.end();
    const after = await directTrip(h, offers);
    const total = await h.prisma.outboxEvent.count();

    start({ relay: false, consumers: true });
    await waitUntil('the consumers to settle the new events', async () =>
      (await h.prisma.consumerInboxEvent.count({ where: { consumer: 'trip-summaries' } })) === total,
    );
    const poison = await h.prisma.consumerInboxEvent.findFirstOrThrow({ where: { consumer: 'trip-summaries', bookingId: 'bk_poison' } });
    expect(poison).toMatchObject({ outcome: 'dead_lettered', reason: expect.stringMatching(/^com.tripsaga.booking.confirmed data does not match its schema v1/) });
    const { deadLetters } = await streamed();
    expect(deadLetters.map((m) => [m.headers['Tripsaga-Consumer'], m.event.subject])).toEqual(
      expect.arrayContaining([
        ['trip-summaries', 'bk_poison'],
        ['notifier', 'bk_poison'],
      ]),
    );
    for (const booking of [trip, after]) {
      expect(await h.prisma.tripSummary.findUniqueOrThrow({ where: { bookingId: booking.bookingId } })).toMatchObject({ status: 'CONFIRMED' });
    }
    // Resumed from the durable position: the 32 trips of the first test were not applied again.
    expect(await h.prisma.outgoingEmail.count()).toBe(34);
  });
});
