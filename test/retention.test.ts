import { randomUUID } from 'node:crypto';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toCloudEvent } from '../src/events/cloud-event.ts';
import { defaultConsumers, type EventPipeline, startEventPipeline } from '../src/pipeline/event-pipeline.ts';
import { pruneAfterMs, pruneOnce } from '../src/retention/prune.ts';
import { ensureStreams } from '../src/transport/jetstream/topology.ts';
import { directTrip, roomyOffers, waitUntil } from './support/direct-trips.ts';
import { confirmedTripEvents } from './support/expected-events.ts';
import { type Harness, startHarness } from './support/harness.ts';
import { createOwnDatabase } from './support/own-database.ts';
import { removeTopology, sharedNatsUrl, uniqueTopology } from './support/nats.ts';

const topology = uniqueTopology();
let h: Harness;
let ownDb: Awaited<ReturnType<typeof createOwnDatabase>>;
let nc: NatsConnection;
let pipeline: EventPipeline;

beforeAll(async () => {
  ownDb = await createOwnDatabase('retention');
  h = await startHarness({ worker: false, databaseUrl: ownDb.url });
  nc = await connect({ servers: sharedNatsUrl });
  await ensureStreams(await jetstreamManager(nc), topology);
  pipeline = startEventPipeline({ db: h.db, natsUrl: sharedNatsUrl, natsSubjectRoot: topology.root, metrics: h.metrics, relay: true, consumers: true });
});
afterAll(async () => {
  await pipeline?.stop();
  await nc?.close();
  await removeTopology(sharedNatsUrl, topology);
  await h?.stop();
  await ownDb?.drop();
});

// Every default consumer but status-updates (no API here), in name order.
const consumers = defaultConsumers().map((c) => c.name).sort();
const duplicates = async () =>
  (await h.metrics.consumerEvents.get()).values.filter((v) => v.labels.outcome === 'duplicate').reduce((n, v) => n + v.value, 0);

describe('retention', () => {
  it('prunes settled rows but a booking\'s latest, and a duplicate arriving after the prune is still refused', async () => {
    const n = confirmedTripEvents.length;
    const trip = await directTrip(h, await roomyOffers(h), 'confirmed');
    // The trip's booking events, and its wallet's (another aggregate, numbered on its own).
    await waitUntil('the consumers to settle every event', async () =>
      (await h.prisma.outboxEvent.count({ where: { publishedAt: null } })) === 0 &&
      (await h.prisma.consumerInboxEvent.count()) === (await h.prisma.outboxEvent.count()) * consumers.length,
    );
    const [{ aggregates }] = (await h.prisma.$queryRaw`SELECT count(DISTINCT aggregate_id)::int AS aggregates FROM outbox_events`) as [{ aggregates: number }];
    const prunable = (await h.prisma.outboxEvent.count()) - aggregates;
    expect(prunable).toBe(n - 1 + Math.max(0, trip.walletEvents - 1));
    const outbox = await h.prisma.outboxEvent.findMany({ where: { aggregateId: trip.bookingId }, orderBy: { sequence: 'asc' } });
    const summaryBefore = await h.prisma.tripSummary.findUniqueOrThrow({ where: { bookingId: trip.bookingId } });
    const emailsBefore = await h.prisma.outgoingEmail.count();

    // Nothing is old enough yet: nothing goes.
    expect(await pruneOnce(h.prisma, { olderThanMs: 60_000 })).toEqual({ outbox: 0, inbox: 0 });
    expect(await pruneOnce(h.prisma, { olderThanMs: 0, batchSize: 3, pauseMs: 0 })).toEqual({ outbox: prunable, inbox: prunable * consumers.length });

    // What stays: the booking's latest outbox row (the next event is numbered from it), each consumer's latest inbox
    // row (the next event applies at its sequence + 1), and a watermark over the pruned places.
    expect((await h.prisma.outboxEvent.findMany({ where: { aggregateId: trip.bookingId } })).map((e) => e.sequence)).toEqual([n]);
    const inbox = await h.prisma.consumerInboxEvent.findMany({ where: { bookingId: trip.bookingId }, orderBy: { consumer: 'asc' } });
    expect(inbox.map((r) => [r.consumer, r.sequence])).toEqual(consumers.map((c) => [c, n]));
    const marks = await h.prisma.consumerInboxWatermark.findMany({ where: { bookingId: trip.bookingId }, orderBy: { consumer: 'asc' } });
    expect(marks.map((m) => [m.consumer, m.prunedThrough])).toEqual(consumers.map((c) => [c, n - 1]));

    // A late copy of booking.confirmed, re-sent under a new Nats-Msg-Id (as after JetStream's duplicate window): the
    // stream stores it, both consumers get it, and both refuse it as a duplicate although its inbox row is gone.
    const confirmation = outbox.find((e) => e.type === 'com.tripsaga.booking.confirmed')!;
    const before = await duplicates();
    await jetstream(nc).publish(topology.subjectFor(confirmation.type), JSON.stringify(toCloudEvent(confirmation)), { msgID: randomUUID() });
    await waitUntil('every consumer to refuse the late duplicate', async () => (await duplicates()) === before + consumers.length);
    expect(await h.prisma.consumerInboxEvent.count({ where: { bookingId: trip.bookingId } })).toBe(consumers.length);
    expect(await h.prisma.consumerInboxEvent.count({ where: { outcome: { in: ['dead_lettered', 'held'] } } })).toBe(0);
    expect(await h.prisma.outgoingEmail.count()).toBe(emailsBefore);
    expect(await h.prisma.tripSummary.findUniqueOrThrow({ where: { bookingId: trip.bookingId } })).toEqual(summaryBefore);
  });

  it('reads PRUNE_AFTER as a duration, or off', () => {
    expect(pruneAfterMs(undefined)).toBe(7 * 86_400_000);
    expect(pruneAfterMs('90s')).toBe(90_000);
    expect(pruneAfterMs('off')).toBeUndefined();
    expect(() => pruneAfterMs('a week')).toThrow(/PRUNE_AFTER must be a duration/);
  });
});
