import { connect, type NatsConnection } from '@nats-io/transport-node';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPipelineMetrics } from '../src/metrics/pipeline-metrics.ts';
import { ensureStreams } from '../src/transport/jetstream/topology.ts';
import { jetstreamManager } from '@nats-io/jetstream';
import { startEventPipeline } from '../src/pipeline/event-pipeline.ts';
import { relayPartitionCount } from '../src/relay/partition-ownership.ts';
import { directTrip, expectedSequences, roomyOffers, waitUntil } from './support/direct-trips.ts';
import { confirmedTripEvents } from './support/expected-events.ts';
import { type Harness, startHarness } from './support/harness.ts';
import { createOwnDatabase } from './support/own-database.ts';
import { readStream, removeTopology, sharedNatsUrl, uniqueTopology } from './support/nats.ts';

// The relay against the shared NATS server (streams and subjects of this file's own) and the run's PostgreSQL.
const topology = uniqueTopology();
let h: Harness;
let ownDb: Awaited<ReturnType<typeof createOwnDatabase>>;
let nc: NatsConnection;
let offers: Awaited<ReturnType<typeof roomyOffers>>;

beforeAll(async () => {
  ownDb = await createOwnDatabase('relay');
  h = await startHarness({ worker: false, databaseUrl: ownDb.url });
  nc = await connect({ servers: sharedNatsUrl });
  await ensureStreams(await jetstreamManager(nc), topology);
  offers = await roomyOffers(h);
});
afterAll(async () => {
  await nc?.close();
  await removeTopology(sharedNatsUrl, topology);
  await h?.stop();
  await ownDb?.drop();
});

function startRelay(relayOptions: { pollIntervalMs?: number; rebalanceIntervalMs?: number } = {}) {
  const metrics = createPipelineMetrics();
  const pipeline = startEventPipeline({
    db: h.db,
    natsUrl: sharedNatsUrl,
    natsSubjectRoot: topology.root,
    metrics,
    relay: true,
    consumers: false,
    relayOptions,
  });
  return { pipeline, metrics, relay: () => pipeline.relays[0] };
}

const unpublished = () => h.prisma.outboxEvent.count({ where: { publishedAt: null } });
const allPublished = () => waitUntil('every event to be published', async () => (await unpublished()) === 0, 30_000);

describe('outbox relay to JetStream', () => {
  it('publishes each committed event as a CloudEvent on its type subject, with Nats-Msg-Id, woken by the commit', async () => {
    // Polling and rebalancing far apart: only the commit's NOTIFY can wake the relay quickly.
    const { pipeline } = startRelay({ pollIntervalMs: 60_000, rebalanceIntervalMs: 60_000 });
    try {
      await waitUntil('the relay to hold its partitions', async () => pipeline.relays[0]?.ownedPartitions().length === relayPartitionCount);
      const trip = await directTrip(h, offers);
      await allPublished();

      const events = await h.prisma.outboxEvent.findMany({ where: { aggregateId: trip.bookingId }, orderBy: { sequence: 'asc' } });
      const lagsMs = events.map((e) => (e.publishedAt as Date).getTime() - e.occurredAt.getTime());
      console.log(`commit -> published lag (ms), relay polling every 60 s: ${lagsMs.join(', ')}`);
      expect(Math.max(...lagsMs)).toBeLessThan(1_000);

      const stream = (await readStream(nc, topology.eventsStream)).filter((m) => m.event.subject === trip.bookingId);
      expect(stream.map((m) => m.subject)).toEqual(confirmedTripEvents.map((type) => `${topology.root}.events.${type}`));
      expect(stream.map((m) => m.headers['Nats-Msg-Id'])).toEqual(events.map((e) => e.id));
      expect(stream[0]?.headers['content-type']).toBe('application/cloudevents+json');
      expect(stream[0]?.event).toMatchObject({
        specversion: '1.0',
        id: events[0]?.id,
        type: 'com.tripsaga.booking.requested',
        subject: trip.bookingId,
        bookingsequence: 1,
        dataschema: 'urn:tripsaga:schema:com.tripsaga.booking.requested:v2',
        data: { bookingId: trip.bookingId, traveler: { email: trip.email } },
      });
    } finally {
      await pipeline.stop();
    }
  });

  it('an event whose NOTIFY never came is still published by the polling fallback', async () => {
    const { pipeline } = startRelay({ pollIntervalMs: 300, rebalanceIntervalMs: 60_000 });
    try {
      await waitUntil('the relay to hold its partitions', async () => pipeline.relays[0]?.ownedPartitions().length === relayPartitionCount);
      // Triggers off for this one transaction (replica mode): the insert commits without notifying anyone.
      const client = new pg.Client({ connectionString: h.databaseUrl });
      await client.connect();
      await client.query('BEGIN');
      await client.query('SET LOCAL session_replication_role = replica');
      const { rows } = await client.query<{ id: string }>(
        `INSERT INTO outbox_events (id, aggregate_type, aggregate_id, sequence, type, data, occurred_at)
         VALUES (gen_random_uuid(), 'booking', 'bk_silent', 1, 'com.tripsaga.test.silent', '{}', now()) RETURNING id`,
      );
      await client.query('COMMIT');
      await client.end();
      await allPublished();
      const stream = await readStream(nc, topology.eventsStream);
      expect(stream.map((m) => m.event.id)).toContain(rows[0]?.id);
    } finally {
      await pipeline.stop();
    }
  });

  it('two relays share the partitions, publish every booking in order, and one takes over when the other stops', async () => {
    const a = startRelay({ rebalanceIntervalMs: 200 });
    const b = startRelay({ rebalanceIntervalMs: 200 });
    try {
      await waitUntil('the relays to split the partitions', async () => {
        const owned = [a.relay()?.ownedPartitions() ?? [], b.relay()?.ownedPartitions() ?? []];
        return owned[0]?.length === relayPartitionCount / 2 && owned[1]?.length === relayPartitionCount / 2;
      });
      expect(new Set([...(a.relay()?.ownedPartitions() ?? []), ...(b.relay()?.ownedPartitions() ?? [])]).size).toBe(relayPartitionCount);

      const trips: Awaited<ReturnType<typeof directTrip>>[] = [];
      // 40 trips written 8 at a time while both relays publish.
      for (let i = 0; i < 5; i += 1) trips.push(...(await Promise.all(Array.from({ length: 8 }, () => directTrip(h, offers)))));
      await allPublished();
      const published = async (m: ReturnType<typeof createPipelineMetrics>) => (await m.relayPublished.get()).values[0]?.value ?? 0;
      const [byA, byB] = [await published(a.metrics), await published(b.metrics)];
      console.log(`events published by relay A: ${byA}, by relay B: ${byB}`);
      expect(byA).toBeGreaterThan(0);
      expect(byB).toBeGreaterThan(0);

      await a.pipeline.stop();
      await waitUntil('relay B to take every partition', async () => b.relay()?.ownedPartitions().length === relayPartitionCount, 10_000);
      trips.push(...(await Promise.all(Array.from({ length: 8 }, () => directTrip(h, offers)))));
      await allPublished();

      const stream = await readStream(nc, topology.eventsStream);
      const ids = new Set(stream.map((m) => m.event.id));
      expect(ids.size).toBe(stream.length); // the broker kept no duplicate
      for (const trip of trips) {
        const sequences = stream.filter((m) => m.event.subject === trip.bookingId).map((m) => m.event.bookingsequence);
        expect(sequences).toEqual(await expectedSequences(h, trip.bookingId));
      }
    } finally {
      await a.pipeline.stop();
      await b.pipeline.stop();
    }
  });
});
