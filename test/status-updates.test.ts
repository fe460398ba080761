import { randomUUID } from 'node:crypto';
import { jetstream } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../activities/index.ts';
import { serve } from '../src/api/serve.ts';
import { applyEvent } from '../src/consumers/apply-event.ts';
import { readConsumedEvent } from '../src/consumers/consumed-event.ts';
import { readOrdering } from '../src/events/envelope.ts';
import { statusUpdatesConsumer } from '../src/consumers/status-updates/status-updates.ts';
import { createBookingApiClient } from '../src/consumers/status-updates/booking-api-client.ts';
import { toCloudEvent } from '../src/events/cloud-event.ts';
import { EventType } from '../src/events/event-types.ts';
import { roomyOffers, waitUntil } from './support/direct-trips.ts';
import { type Harness, startHarness } from './support/harness.ts';
import { createOwnDatabase } from './support/own-database.ts';
import { uniqueTopology } from './support/nats.ts';
import { startTestPipeline, type TestPipeline } from './support/pipeline.ts';

// Event notification end to end: the real API listens on a free port, the status-updates consumer gets the id-only
// booking.status-changed events through the relay and JetStream and calls that API back.
describe('status-updates consumer', () => {
  const topology = uniqueTopology();
  let h: Harness;
  let ownDb: Awaited<ReturnType<typeof createOwnDatabase>>;
  let api: Awaited<ReturnType<typeof serve>>;
  let pipeline: TestPipeline;
  let offers: Awaited<ReturnType<typeof roomyOffers>>;
  let baseUrl: string;

  beforeAll(async () => {
    ownDb = await createOwnDatabase('status_updates');
    h = await startHarness({ worker: false, databaseUrl: ownDb.url });
    api = await serve(h.app, 0, '127.0.0.1');
    baseUrl = `http://127.0.0.1:${api.port}`;
    offers = await roomyOffers(h);
    pipeline = await startTestPipeline(h, {
      topology,
      relay: true,
      consumers: true, // the default consumers: status-updates among them because the API's URL is given
      apiBaseUrl: baseUrl,
      apiToken: () => h.tokens.operator(),
      runnerOptions: { maxAttempts: 3, retryDelayMs: 100, orderWaitMs: 100 },
    });
  });
  afterAll(async () => {
    await pipeline?.stop();
    await api?.close();
    await h?.stop();
    await ownDb?.drop();
  });

  const settled = (bookingId: string) => h.prisma.consumerInboxEvent.count({ where: { consumer: 'status-updates', bookingId } });
  const events = (bookingId: string) => h.prisma.outboxEvent.findMany({ where: { aggregateId: bookingId }, orderBy: { sequence: 'asc' } });

  it('calls the API back for each status change and records one notification per status reached', async () => {
    const activities = createActivities({ prisma: h.prisma });
    const email = `ada+${randomUUID().slice(0, 8)}@example.com`;
    const bookingId = await h.book({
      traveler: { name: 'Ada Lovelace', email },
      flight: { offerId: offers.flight, seats: 1 },
      hotel: { offerId: offers.hotel, rooms: 1 },
      car: { offerId: offers.car },
    });
    // While the booking is PENDING, its status-changed event yields the PENDING notification.
    await waitUntil('the PENDING notification', async () => (await h.prisma.tripNotification.findUnique({ where: { dedupeKey: `${bookingId}:PENDING` } })) ?? undefined);
    await activities.reserveFlight({ bookingId, offerId: offers.flight, quantity: 1 });
    await activities.reserveHotel({ bookingId, offerId: offers.hotel, quantity: 1 });
    await activities.reserveCar({ bookingId, offerId: offers.car, quantity: 1 });
    await activities.recordBookingOutcome({ bookingId, status: 'CONFIRMED' });
    const all = await events(bookingId);
    await waitUntil('status-updates to settle every event', async () => (await settled(bookingId)) === all.length);

    const notifications = await h.prisma.tripNotification.findMany({ where: { bookingId }, orderBy: { createdAt: 'asc' } });
    expect(notifications.map((n) => [n.dedupeKey, n.status, n.recipient, n.subject])).toEqual([
      [`${bookingId}:PENDING`, 'PENDING', email, 'We are booking your trip'],
      [`${bookingId}:CONFIRMED`, 'CONFIRMED', email, 'Your trip is confirmed'],
    ]);
    expect(notifications[1]?.text).toBe(`Your trip ${bookingId} is booked: 3 reservations, 300.00 EUR in total.`);
    const inbox = await h.prisma.consumerInboxEvent.findMany({ where: { consumer: 'status-updates', bookingId }, orderBy: { sequence: 'asc' } });
    expect(inbox.filter((r) => r.type === EventType.bookingStatusChanged).map((r) => r.outcome)).toEqual(['applied', 'applied']);
    expect(inbox.filter((r) => r.type !== EventType.bookingStatusChanged).every((r) => r.outcome === 'skipped')).toBe(true);

    // A redelivered status-changed event changes nothing: not the notifications, not the inbox.
    const before = { notifications: await h.prisma.tripNotification.findMany({ where: { bookingId } }), inbox: await settled(bookingId) };
    const last = all.filter((e) => e.type === EventType.bookingStatusChanged).at(-1)!;
    const consumer = statusUpdatesConsumer(createBookingApiClient({ baseUrl, token: () => h.tokens.operator() }));
    expect(await applyEvent(h.prisma, consumer, readConsumedEvent(readOrdering(JSON.stringify(toCloudEvent(last)))))).toBe('duplicate');
    const duplicates = async () =>
      (await h.metrics.consumerEvents.get()).values.find((v) => v.labels.consumer === 'status-updates' && v.labels.outcome === 'duplicate')?.value ?? 0;
    const duplicatesBefore = await duplicates();
    await jetstream(pipeline.nc).publish(topology.subjectFor(last.type), JSON.stringify(toCloudEvent(last)), { msgID: randomUUID() });
    await waitUntil('status-updates to see the redelivery', async () => (await duplicates()) > duplicatesBefore);
    expect(await h.prisma.tripNotification.findMany({ where: { bookingId } })).toEqual(before.notifications);
    expect(await settled(bookingId)).toBe(before.inbox);
  });

  it('dead-letters a status change of a booking the API does not know, at once', async () => {
    const bookingId = `bk_${randomUUID()}`;
    const event = await h.prisma.outboxEvent.create({
      data: { aggregateType: 'booking', aggregateId: bookingId, sequence: 1, type: EventType.bookingStatusChanged, data: { bookingId } },
    });
    const row = await waitUntil('the dead letter', async () =>
      (await h.prisma.consumerInboxEvent.findUnique({ where: { consumer_eventId: { consumer: 'status-updates', eventId: event.id } } })) ?? undefined,
    );
    expect(row).toMatchObject({ outcome: 'dead_lettered', reason: expect.stringMatching(/is unknown to the API$/) });
    expect(await h.prisma.tripNotification.count({ where: { bookingId } })).toBe(0);
  });
});

describe('status-updates without an API URL', () => {
  it('is left out of the default consumers, with a log line', async () => {
    const { defaultConsumers } = await import('../src/pipeline/event-pipeline.ts');
    const lines: string[] = [];
    expect(defaultConsumers({ log: (line) => lines.push(line) }).map((c) => c.name)).toEqual(['trip-summaries', 'notifier', 'wallet-statements']);
    expect(lines).toEqual([expect.stringMatching(/^consumer status-updates: not started, API_BASE_URL is not set/)]);
    expect(defaultConsumers({ apiBaseUrl: 'http://127.0.0.1:1' }).map((c) => c.name)).toEqual(['trip-summaries', 'notifier', 'wallet-statements', 'status-updates']);
  });
});
