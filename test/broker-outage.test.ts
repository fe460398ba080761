import { connect } from '@nats-io/transport-node';
import request from 'supertest';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { natsTopology } from '../src/transport/jetstream/topology.ts';
import { startEventPipeline } from '../src/pipeline/event-pipeline.ts';
import { walletStreamId } from '../src/wallet/wallet-stream.ts';
import { directTrip, expectedSequences, roomyOffers, waitUntil } from './support/direct-trips.ts';
import { type Harness, startHarness } from './support/harness.ts';
import { createOwnDatabase } from './support/own-database.ts';
import { readStream, startOwnNatsServer } from './support/nats.ts';

// A NATS server of this test's own, stopped and started again while bookings go on.
let h: Harness;
let ownDb: Awaited<ReturnType<typeof createOwnDatabase>>;
let nats: Awaited<ReturnType<typeof startOwnNatsServer>>;

beforeAll(async () => {
  ownDb = await createOwnDatabase('outage');
  h = await startHarness({ worker: false, databaseUrl: ownDb.url });
  nats = await startOwnNatsServer();
});
afterAll(async () => {
  await nats?.remove();
  await h?.stop();
  await ownDb?.drop();
});

const metricValue = (text: string, series: string) => Number(text.split('\n').find((line) => line.startsWith(`${series} `))?.split(' ')[1]);

it('with NATS down bookings still commit, events wait in the outbox with the backlog reported, and drain in order when it returns', async () => {
  const topology = natsTopology('outage');
  const offers = await roomyOffers(h);
  const lines: string[] = [];
  const pipeline = startEventPipeline({
    db: h.db,
    natsUrl: nats.url,
    natsSubjectRoot: topology.root,
    metrics: h.metrics,
    relay: true,
    consumers: true,
    log: (line) => lines.push(line),
  });
  try {
    const before = await directTrip(h, offers);
    await waitUntil('the first trip in the read model', async () => (await h.prisma.tripSummary.findUnique({ where: { bookingId: before.bookingId } }))?.status === 'CONFIRMED');

    await nats.stop();
    const trips = await Promise.all(Array.from({ length: 10 }, () => directTrip(h, offers)));
    const metrics = async () => (await request(h.app).get('/metrics').expect(200)).text;
    const backlog = trips.reduce((sum, trip) => sum + trip.events + trip.walletEvents, 0);
    await waitUntil('the relay to report the backlog', async () => lines.some((line) => line.includes(`${backlog} event(s) wait in the outbox`)), 20_000);
    const during = await metrics();
    expect(metricValue(during, 'tripsaga_outbox_backlog_events{transport="jetstream"}')).toBe(backlog);
    expect(metricValue(during, 'tripsaga_outbox_oldest_pending_age_seconds{transport="jetstream"}')).toBeGreaterThan(0);
    expect(metricValue(during, 'tripsaga_relay_publish_failures_total{transport="jetstream"}')).toBeGreaterThan(0);

    await nats.start();
    await waitUntil('the outbox to drain', async () => (await h.prisma.outboxEvent.count({ where: { publishedAt: null } })) === 0, 60_000);
    await waitUntil('the read model to catch up', async () =>
      (await h.prisma.tripSummary.count({ where: { bookingId: { in: trips.map((t) => t.bookingId) }, status: 'CONFIRMED' } })) === trips.length,
    30_000);
    expect(metricValue(await metrics(), 'tripsaga_outbox_backlog_events{transport="jetstream"}')).toBe(0);

    const nc = await connect({ servers: nats.url });
    const stream = await readStream(nc, topology.eventsStream);
    await nc.close();
    for (const trip of [before, ...trips]) {
      const firstSeen = [...new Map(stream.filter((m) => m.event.subject === trip.bookingId).map((m) => [m.event.id, m.event.bookingsequence])).values()];
      expect(firstSeen).toEqual(await expectedSequences(h, trip.bookingId));
    }
    // Every event once: the trips' own, and their travelers' wallets' (each charge opened a wallet).
    const aggregateIds = [before, ...trips].flatMap((t) => [t.bookingId, walletStreamId(t.email)]);
    expect(await h.prisma.consumerInboxEvent.count({ where: { consumer: 'trip-summaries' } })).toBe(
      await h.prisma.outboxEvent.count({ where: { aggregateId: { in: aggregateIds } } }),
    );
  } finally {
    await pipeline.stop();
  }
}, 120_000);
