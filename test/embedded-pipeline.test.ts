import request from 'supertest';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPipelineMetrics } from '../src/metrics/pipeline-metrics.ts';
import { type EventPipeline, startEventPipeline } from '../src/pipeline/event-pipeline.ts';
import { directTrip, roomyOffers, waitUntil } from './support/direct-trips.ts';
import { type Harness, startHarness } from './support/harness.ts';
import { createOwnDatabase } from './support/own-database.ts';

// The embedded path (no broker): relays number events into the event log kept in PostgreSQL, consumers read it from
// their stored position. On the run's PostgreSQL server, with concurrent writers and two relays.
let h: Harness;
let ownDb: Awaited<ReturnType<typeof createOwnDatabase>>;
let offers: Awaited<ReturnType<typeof roomyOffers>>;
const pipelines: EventPipeline[] = [];

beforeAll(async () => {
  ownDb = await createOwnDatabase('embedded');
  h = await startHarness({ worker: false, databaseUrl: ownDb.url });
  offers = await roomyOffers(h);
});
afterAll(async () => {
  for (const pipeline of pipelines) await pipeline.stop();
  await h?.stop();
  await ownDb?.drop();
});

function start(parts: { relay: boolean; consumers: boolean }, metrics = createPipelineMetrics()) {
  const pipeline = startEventPipeline({
    db: h.db,
    transport: 'embedded',
    natsUrl: 'nats://127.0.0.1:1',
    natsSubjectRoot: 'unused',
    metrics,
    ...parts,
    relayOptions: { rebalanceIntervalMs: 200 },
    runnerOptions: { maxAttempts: 2, retryDelayMs: 50 },
  });
  pipelines.push(pipeline);
  return pipeline;
}

const metricValue = (text: string, series: string) => Number(text.split('\n').find((line) => line.startsWith(`${series} `))?.split(' ')[1]);

describe('embedded event pipeline (no broker)', () => {
  it('two relays and the consumers: every booking in order in the log, every event applied exactly once', async () => {
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

    for (const trip of trips) {
      const inLogOrder = await h.prisma.outboxEvent.findMany({ where: { aggregateId: trip.bookingId }, orderBy: { logPosition: 'asc' } });
      expect(inLogOrder.map((e) => e.sequence)).toEqual(Array.from({ length: trip.events }, (_, i) => i + 1));
      const applied = await h.prisma.consumerInboxEvent.findMany({ where: { consumer: 'trip-summaries', bookingId: trip.bookingId }, orderBy: { processedAt: 'asc' } });
      expect(applied.map((r) => r.sequence)).toEqual(inLogOrder.map((e) => e.sequence));
    }
    const summaries = await h.prisma.tripSummary.groupBy({ by: ['status'], _count: true, where: { bookingId: { in: trips.map((t) => t.bookingId) } } });
    expect(Object.fromEntries(summaries.map((s) => [s.status, s._count]))).toEqual({ CONFIRMED: 24, COMPENSATED: 8 });
    expect(await h.prisma.outgoingEmail.count({ where: { bookingId: { in: trips.map((t) => t.bookingId) } } })).toBe(32);

    const positions = await h.prisma.consumerLogPosition.findMany();
    const lastLogged = (await h.prisma.outboxEvent.aggregate({ _max: { logPosition: true } }))._max.logPosition;
    await waitUntil('the stored positions to reach the end of the log', async () =>
      (await h.prisma.consumerLogPosition.findMany()).every((p) => p.logPosition === lastLogged) || undefined,
    );
    expect(positions.map((p) => p.consumer).sort()).toEqual(['notifier', 'trip-summaries', 'wallet-statements']);

    const metrics = (await request(h.app).get('/metrics').expect(200)).text;
    expect(metricValue(metrics, 'tripsaga_consumer_backlog_events{consumer="trip-summaries"}')).toBe(0);
    expect(metricValue(metrics, 'tripsaga_consumer_events_total{consumer="notifier",outcome="applied"}')).toBe(32);
    await consumers.stop();
  });

  it('a consumer restarted from its stored position applies nothing twice; a poison event is dead-lettered in the inbox', async () => {
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
    for (const booking of [trip, after]) {
      expect(await h.prisma.tripSummary.findUniqueOrThrow({ where: { bookingId: booking.bookingId } })).toMatchObject({ status: 'CONFIRMED' });
    }
    // Restarted from the stored position: the 32 trips of the first test were not applied again.
    expect(await h.prisma.outgoingEmail.count()).toBe(34);
  });
});
