import { randomBytes, randomUUID } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import type pg from 'pg';
import type { BookingView } from '../src/bookings/booking-view.ts';
import { applyEvent } from '../src/consumers/apply-event.ts';
import { readConsumedEvent } from '../src/consumers/consumed-event.ts';
import { readOrdering } from '../src/events/envelope.ts';
import { notifierConsumer } from '../src/consumers/notifier/notifier.ts';
import { tripSummariesConsumer } from '../src/consumers/trip-summaries/trip-summaries.ts';
import { statusUpdatesConsumer } from '../src/consumers/status-updates/status-updates.ts';
import type { Db } from '../src/db/prisma.ts';
import type { OutboxEvent } from '../src/generated/prisma/client.ts';
import { ensureStreams, natsTopology } from '../src/transport/jetstream/topology.ts';
import { toCloudEvent } from '../src/events/cloud-event.ts';
import { createJetStreamPublisher } from '../src/transport/jetstream/publisher.ts';
import { relayPartitionCount } from '../src/relay/partition-ownership.ts';
import { markPublished, readPendingEvents } from '../src/relay/pending-events.ts';

/** createOutboxRelay's default batch size. */
const relayBatchSize = 200;

export interface PipelineCapture {
  /** A logged Prisma client: whatever runs on it is captured under the current origin. */
  prisma: Db;
  /** Unlogged: to clean up after the consumers. */
  db: pg.Pool;
  setOrigin: (origin: string) => void;
  /** One booking's outbox events, in order. */
  events: OutboxEvent[];
  /** GET /bookings/:id as the API answers it for that booking (status-updates calls it back). */
  bookingView: () => Promise<BookingView>;
  natsUrl: string;
}

/**
 * Runs the event pipeline's own code on one booking's events, so its SQL is captured like the app's: the relay's read
 * (one relay holding every partition) and its mark after the broker's ack, then each consumer applying the events.
 * Returns what it could not capture, and why.
 */
export async function runPipelineOnce({ prisma, db, setOrigin, events, bookingView, natsUrl }: PipelineCapture): Promise<string[]> {
  const notCaptured: string[] = [];
  setOrigin('relay: read pending events (per batch)');
  await readPendingEvents(prisma, {
    partitions: Array.from({ length: relayPartitionCount }, (_, i) => i),
    partitionCount: relayPartitionCount,
    limit: relayBatchSize,
  });

  setOrigin('relay: mark published (per batch)');
  const marked = await markPublishedViaJetStream(prisma, natsUrl, events);
  if (marked !== true) notCaptured.push(`relay: mark published (${marked})`);

  // Applied as a booking of its own (new ids), so the consumers the benchmark runs, which apply the real booking's
  // events too, neither race these nor see them; its rows are deleted afterwards.
  const shadowId = `bk_${randomUUID()}`;
  const shadowEvents = events.map((e) => shadowCopy(e, shadowId));
  const view = await bookingView();
  const consumers = [tripSummariesConsumer, notifierConsumer, statusUpdatesConsumer({ getBooking: async () => ({ ...view, bookingId: shadowId }) })];
  try {
    for (const consumer of consumers) {
      setOrigin(`consumer ${consumer.name}: one booking's ${events.length} events`);
      for (const event of shadowEvents) await applyEvent(prisma, consumer, event);
    }
  } finally {
    for (const table of ['consumer_inbox', 'trip_summaries', 'outgoing_emails', 'trip_notifications']) {
      await db.query(`DELETE FROM ${table} WHERE booking_id = $1`, [shadowId]);
    }
  }
  return notCaptured;
}

/** The relay's JetStream transport on streams of its own (deleted afterwards): the mark is the SQL we are after. */
async function markPublishedViaJetStream(prisma: Db, natsUrl: string, events: OutboxEvent[]): Promise<true | string> {
  const nc = await connect({ servers: natsUrl, timeout: 2_000, reconnect: false }).catch(() => undefined);
  if (!nc) return `no NATS server answered at ${natsUrl}`;
  const topology = natsTopology(`tripsaga_bench_plans_${randomBytes(4).toString('hex')}`);
  const jsm = await jetstreamManager(nc);
  try {
    await ensureStreams(jsm, topology);
    const report = await createJetStreamPublisher({ nc, topology }).publish([events]);
    await markPublished(prisma, report.delivered);
    return report.failures.length === 0 ? true : `publish failed: ${report.failures[0]!.error.message}`;
  } finally {
    for (const stream of [topology.eventsStream, topology.deadLetterStream]) await jsm.streams.delete(stream).catch(() => false);
    await nc.close();
  }
}

function shadowCopy(event: OutboxEvent, shadowId: string) {
  const data = { ...(event.data as Record<string, unknown>), bookingId: shadowId };
  const cloudEvent = toCloudEvent({ ...event, id: randomUUID(), aggregateId: shadowId, data });
  return readConsumedEvent(readOrdering(JSON.stringify(cloudEvent)));
}
