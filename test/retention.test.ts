import { randomUUID } from 'node:crypto';
import { jetstream, jetstreamManager, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toCloudEvent } from '../src/events/cloud-event.ts';
import { defaultConsumers } from '../src/pipeline/event-pipeline.ts';
import { forgetBookingsAfterMs, pruneAfterMs, pruneOnce } from '../src/retention/prune.ts';
import { ensureStreams, natsTopology } from '../src/transport/jetstream/topology.ts';
import { directTrip, roomyOffers, waitUntil } from './support/direct-trips.ts';
import { confirmedTripEvents } from './support/expected-events.ts';
import { type Harness, startHarness } from './support/harness.ts';
import { createOwnDatabase } from './support/own-database.ts';
import { removeTopology, sharedNatsUrl, uniqueTopology } from './support/nats.ts';
import { startTestPipeline, type TestPipeline } from './support/pipeline.ts';

// The events stream keeps an event 30 s: long enough for the consumers on a busy machine, short enough to see it go.
const topology = uniqueTopology(30_000);
let h: Harness;
let ownDb: Awaited<ReturnType<typeof createOwnDatabase>>;
let pipeline: TestPipeline;

beforeAll(async () => {
  ownDb = await createOwnDatabase('retention');
  h = await startHarness({ worker: false, databaseUrl: ownDb.url });
  pipeline = await startTestPipeline(h, { topology, relay: true, consumers: true });
});
afterAll(async () => {
  await pipeline?.stop();
  await h?.stop();
  await ownDb?.drop();
});

// Every default consumer but status-updates (no API here), in name order.
const consumers = defaultConsumers().map((c) => c.name).sort();
const report = (outbox: number, inbox: number, forgottenOutbox = 0, forgottenInbox = 0) => ({ outbox, inbox, forgottenOutbox, forgottenInbox });
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
    expect(await pruneOnce(h.prisma, { olderThanMs: 60_000 })).toEqual(report(0, 0));
    expect(await pruneOnce(h.prisma, { olderThanMs: 0, batchSize: 3, pauseMs: 0 })).toEqual(report(prunable, prunable * consumers.length));

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
    await jetstream(pipeline.nc).publish(topology.subjectFor(confirmation.type), JSON.stringify(toCloudEvent(confirmation)), { msgID: randomUUID() });
    await waitUntil('every consumer to refuse the late duplicate', async () => (await duplicates()) === before + consumers.length);
    expect(await h.prisma.consumerInboxEvent.count({ where: { bookingId: trip.bookingId } })).toBe(consumers.length);
    expect(await h.prisma.consumerInboxEvent.count({ where: { outcome: { in: ['dead_lettered', 'held'] } } })).toBe(0);
    expect(await h.prisma.outgoingEmail.count()).toBe(emailsBefore);
    expect(await h.prisma.tripSummary.findUniqueOrThrow({ where: { bookingId: trip.bookingId } })).toEqual(summaryBefore);
  });

  it('forgets a settled booking once its events have aged out of the stream, and refuses its late duplicates until then', async () => {
    const trip = await directTrip(h, await roomyOffers(h), 'compensated');
    const events = await h.prisma.outboxEvent.findMany({ where: { aggregateId: trip.bookingId }, orderBy: { sequence: 'asc' } });
    expect(events).toHaveLength(trip.events);
    await waitUntil('the consumers to settle the trip', async () =>
      (await h.prisma.outboxEvent.count({ where: { aggregateId: trip.bookingId, publishedAt: null } })) === 0 &&
      (await h.prisma.consumerInboxEvent.count({ where: { bookingId: trip.bookingId } })) === trip.events * consumers.length,
    );
    const jsm = await jetstreamManager(pipeline.nc);
    expect((await jsm.streams.info(topology.eventsStream)).config.max_age).toBe(nanos(topology.maxAgeMs));
    const forget = { afterMs: forgetBookingsAfterMs(0, topology.maxAgeMs)!, cancellationWindowMs: 7 * 86_400_000 };
    const summaryBefore = await h.prisma.tripSummary.findUniqueOrThrow({ where: { bookingId: trip.bookingId } });
    const emailsBefore = await h.prisma.outgoingEmail.count();

    // Within the stream's age limit (plus the margin): the booking is settled, but its last rows and marks stay, and a
    // late copy of its outcome, stored as new (a new Nats-Msg-Id), is refused by every consumer.
    expect(await pruneOnce(h.prisma, { olderThanMs: 0, forget })).toEqual(report(trip.events - 1, (trip.events - 1) * consumers.length));
    expect(await h.prisma.consumerInboxWatermark.count({ where: { bookingId: trip.bookingId } })).toBe(consumers.length);
    const outcome = events.find((e) => e.type === 'com.tripsaga.booking.compensated')!;
    const before = await duplicates();
    const late = await jetstream(pipeline.nc).publish(topology.subjectFor(outcome.type), JSON.stringify(toCloudEvent(outcome)), { msgID: randomUUID() });
    await waitUntil('every consumer to refuse the late duplicate', async () => (await duplicates()) === before + consumers.length);

    // Past the limit JetStream holds nothing of the booking any more, the late copy included: no consumer can be
    // given any of its events again, so nothing is left to recognise them by. (The margin forgetBookingsAfterMs adds
    // is for the clocks of separate machines; here the stream itself is seen to have dropped them.)
    await waitUntil('the stream to drop the booking\'s events', async () => (await jsm.streams.info(topology.eventsStream)).state.first_seq > late.seq, 90_000, 500);
    expect(await jsm.streams.getMessage(topology.eventsStream, { seq: late.seq })).toBeNull();
    const forgotten = await pruneOnce(h.prisma, { olderThanMs: 0, forget: { ...forget, afterMs: topology.maxAgeMs } });
    expect(forgotten).toEqual(report(1, consumers.length, 1, consumers.length));
    expect(await h.prisma.outboxEvent.count({ where: { aggregateId: trip.bookingId } })).toBe(0);
    expect(await h.prisma.consumerInboxEvent.count({ where: { bookingId: trip.bookingId } })).toBe(0);
    expect(await h.prisma.consumerInboxWatermark.count({ where: { bookingId: trip.bookingId } })).toBe(0);
    // What the first test left stays: its trip is confirmed and its cancellation window still open, and a wallet
    // lives on. Nothing the consumers built from the forgotten booking changed.
    expect(await h.prisma.outboxEvent.count()).toBeGreaterThan(0);
    expect(await h.prisma.consumerInboxWatermark.count()).toBeGreaterThan(0);
    expect(await h.prisma.tripSummary.findUniqueOrThrow({ where: { bookingId: trip.bookingId } })).toEqual(summaryBefore);
    expect(await h.prisma.outgoingEmail.count()).toBe(emailsBefore);
    expect(await h.prisma.consumerInboxEvent.count({ where: { outcome: { in: ['dead_lettered', 'held'] } } })).toBe(0);
  });

  it('gives an events stream created without an age limit the one of its topology', async () => {
    const old = uniqueTopology();
    const jsm = await jetstreamManager(pipeline.nc);
    try {
      // As the topology created it before it had an age limit.
      await jsm.streams.add({ name: old.eventsStream, subjects: [old.eventsSubjects], duplicate_window: nanos(10 * 60_000), storage: StorageType.File, retention: RetentionPolicy.Limits });
      expect((await jsm.streams.info(old.eventsStream)).config.max_age).toBe(0);
      const limited = natsTopology(old.root, 1, 5 * 60_000);
      await ensureStreams(jsm, limited);
      const { config } = await jsm.streams.info(old.eventsStream);
      // The duplicate window may not exceed the age limit: it shrinks with it.
      expect([config.max_age, config.duplicate_window]).toEqual([nanos(5 * 60_000), nanos(5 * 60_000)]);
      expect((await jsm.streams.info(old.deadLetterStream)).config.max_age).toBe(0);
      // And back: a process started without a limit (NATS_STREAM_MAX_AGE=off) lifts it.
      await ensureStreams(jsm, old);
      expect((await jsm.streams.info(old.eventsStream)).config.max_age).toBe(0);
    } finally {
      await removeTopology(sharedNatsUrl, old);
    }
  });

  it('forgets settled bookings only with a stream age limit, never before PRUNE_AFTER', () => {
    expect(forgetBookingsAfterMs(60_000, undefined)).toBeUndefined();
    expect(forgetBookingsAfterMs(60_000, 0)).toBeUndefined();
    expect(forgetBookingsAfterMs(0, 30_000)).toBe(90_000);
    expect(forgetBookingsAfterMs(7 * 86_400_000, 86_400_000)).toBe(7 * 86_400_000);
  });

  it('reads PRUNE_AFTER as a duration, or off', () => {
    expect(pruneAfterMs(undefined)).toBe(7 * 86_400_000);
    expect(pruneAfterMs('90s')).toBe(90_000);
    expect(pruneAfterMs('off')).toBeUndefined();
    expect(() => pruneAfterMs('a week')).toThrow(/PRUNE_AFTER must be a duration/);
  });
});
