import { randomUUID } from 'node:crypto';
import { jetstream } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../activities/index.ts';
import { toCloudEvent } from '../src/events/cloud-event.ts';
import { EventType } from '../src/events/event-types.ts';
import { defaultConsumers } from '../src/pipeline/event-pipeline.ts';
import { directTrip, roomyOffers, waitUntil } from './support/direct-trips.ts';
import { type Harness, startHarness } from './support/harness.ts';
import { createOwnDatabase } from './support/own-database.ts';
import { readStream, uniqueTopology } from './support/nats.ts';
import { startTestPipeline, type TestPipeline } from './support/pipeline.ts';

// The relay and both consumers on the shared NATS server (a stream of this file's own) and the run's PostgreSQL.
const topology = uniqueTopology();
let h: Harness;
let ownDb: Awaited<ReturnType<typeof createOwnDatabase>>;
let pipeline: TestPipeline;
let offers: Awaited<ReturnType<typeof roomyOffers>>;

beforeAll(async () => {
  ownDb = await createOwnDatabase('consumers');
  h = await startHarness({ worker: false, databaseUrl: ownDb.url });
  offers = await roomyOffers(h);
  pipeline = await startTestPipeline(h, {
    topology,
    relay: true,
    consumers: true,
    runnerOptions: { maxAttempts: 3, retryDelayMs: 400, orderWaitMs: 100 },
  });
});
afterAll(async () => {
  await pipeline?.stop();
  await h?.stop();
  await ownDb?.drop();
});

const settledBy = (consumer: string, eventIds: string[]) =>
  h.prisma.consumerInboxEvent.count({ where: { consumer, eventId: { in: eventIds } } });

async function waitForSettled(eventIds: string[]) {
  await waitUntil('both consumers to settle the events', async () =>
    (await settledBy('trip-summaries', eventIds)) === eventIds.length && (await settledBy('notifier', eventIds)) === eventIds.length,
  );
}

async function eventIdsOf(bookingId: string) {
  return (await h.prisma.outboxEvent.findMany({ where: { aggregateId: bookingId }, orderBy: { sequence: 'asc' } })).map((e) => e.id);
}

/** Publishes a CloudEvent straight to the stream, as a misbehaving or foreign producer would. */
async function publishRaw(body: unknown, type: string, msgID = randomUUID()) {
  await jetstream(pipeline.nc).publish(topology.subjectFor(type), typeof body === 'string' ? body : JSON.stringify(body), { msgID });
}

const counter = async (outcome: string, consumer = 'trip-summaries') =>
  (await h.metrics.consumerEvents.get()).values.find((v) => v.labels.consumer === consumer && v.labels.outcome === outcome)?.value ?? 0;

describe('consumers: read model and notifier', () => {
  it('build the traveler trips and the outcome emails from events only', async () => {
    const confirmed = await directTrip(h, offers, 'confirmed');
    const compensated = await directTrip(h, offers, 'compensated');
    await waitForSettled([...(await eventIdsOf(confirmed.bookingId)), ...(await eventIdsOf(compensated.bookingId))]);

    const trips = await (await h.asOperator()).get(`/travelers/${encodeURIComponent(confirmed.email.toUpperCase())}/trips`).expect(200);
    expect(trips.body).toEqual({
      traveler: confirmed.email,
      trips: [
        {
          bookingId: confirmed.bookingId,
          status: 'CONFIRMED',
          legs: {
            flight: { offerId: offers.flight, offerName: expect.any(String), quantity: 1, status: 'RESERVED', amount: 10_000, currency: 'EUR' },
            hotel: { offerId: offers.hotel, offerName: expect.any(String), quantity: 1, status: 'RESERVED', amount: 10_000, currency: 'EUR' },
            car: { offerId: offers.car, offerName: expect.any(String), quantity: 1, status: 'RESERVED', amount: 10_000, currency: 'EUR' },
          },
          total: { amount: 30_000, currency: 'EUR' },
          payment: { status: 'CHARGED' },
          requestedAt: expect.any(String),
          updatedAt: expect.any(String),
        },
      ],
    });
    const other = await (await h.asOperator()).get(`/travelers/${encodeURIComponent(compensated.email)}/trips`).expect(200);
    expect(other.body.trips[0]).toMatchObject({
      status: 'COMPENSATED',
      reason: 'car: OfferSoldOut: test',
      // The booking API's words: the legs given back are CANCELLED, the car the saga never reached NOT_RESERVED.
      legs: { flight: { status: 'CANCELLED' }, hotel: { status: 'CANCELLED' }, car: { status: 'NOT_RESERVED' } },
      total: { amount: 0 },
      payment: null,
    });
    const view = await (await h.asOperator()).get(`/bookings/${compensated.bookingId}`).expect(200);
    expect(Object.fromEntries(Object.entries(view.body.reservations).map(([kind, r]) => [kind, (r as { status: string }).status]))).toEqual(
      Object.fromEntries(Object.entries(other.body.trips[0].legs).map(([kind, leg]) => [kind, (leg as { status: string }).status])),
    );

    const emails = await h.prisma.outgoingEmail.findMany({ where: { bookingId: { in: [confirmed.bookingId, compensated.bookingId] } } });
    expect(emails.map((e) => [e.bookingId, e.template, e.recipient]).sort()).toEqual(
      [
        [confirmed.bookingId, 'booking-confirmed', confirmed.email],
        [compensated.bookingId, 'booking-compensated', compensated.email],
      ].sort(),
    );
    // The notifier settles every event of the booking (in order) but acts only on outcomes.
    const notifierOutcomes = await h.prisma.consumerInboxEvent.findMany({
      where: { consumer: 'notifier', bookingId: confirmed.bookingId },
      orderBy: { sequence: 'asc' },
    });
    expect(notifierOutcomes.map((r) => [r.type.replace('com.tripsaga.', ''), r.outcome])).toEqual([
      ['booking.requested', 'skipped'],
      ['booking.status-changed', 'skipped'],
      ['flight.reserved', 'skipped'],
      ['hotel.reserved', 'skipped'],
      ['car.reserved', 'skipped'],
      ['payment.charged', 'skipped'],
      ['booking.confirmed', 'applied'],
      ['booking.status-changed', 'skipped'],
    ]);
  });

  it('a cancelled trip says what its booking says about money: the total it was charged, the payment REFUNDED', async () => {
    const trip = await directTrip(h, offers, 'confirmed');
    const activities = createActivities({ prisma: h.prisma });
    await activities.refundPayment({ bookingId: trip.bookingId });
    for (const kind of ['Car', 'Hotel', 'Flight'] as const) await activities[`cancel${kind}`]({ bookingId: trip.bookingId });
    await activities.recordBookingOutcome({ bookingId: trip.bookingId, status: 'CANCELLED', reason: 'changed plans' });
    await waitForSettled(await eventIdsOf(trip.bookingId));

    const view = (await (await h.asOperator()).get(`/bookings/${trip.bookingId}`).expect(200)).body;
    const summary = (await (await h.asOperator()).get(`/travelers/${encodeURIComponent(trip.email)}/trips`).expect(200)).body.trips[0];
    expect(view.payment).toEqual({ status: 'REFUNDED', amount: 30_000, currency: 'EUR' });
    expect(summary).toMatchObject({ status: 'CANCELLED', reason: 'changed plans', total: { amount: view.payment.amount, currency: 'EUR' }, payment: { status: 'REFUNDED' } });
    for (const kind of ['flight', 'hotel', 'car']) {
      expect(summary.legs[kind]).toMatchObject({ status: view.reservations[kind].status, amount: view.reservations[kind].amount });
    }
  });

  it('answers 400 for a malformed email and an empty list for an unknown traveler', async () => {
    const bad = await (await h.asOperator()).get('/travelers/not-an-email/trips').expect(400);
    expect(bad.body.error).toMatchObject({ code: 'invalid_request', fields: [{ path: 'params.email', reason: 'must be an email address' }] });
    expect((await (await h.asOperator()).get('/travelers/nobody@example.com/trips').expect(200)).body).toEqual({ traveler: 'nobody@example.com', trips: [] });
  });

  it('a redelivered event changes nothing: not the read model, not the emails, not the inbox', async () => {
    const trip = await directTrip(h, offers);
    const ids = await eventIdsOf(trip.bookingId);
    await waitForSettled(ids);
    const before = {
      summary: await h.prisma.tripSummary.findUniqueOrThrow({ where: { bookingId: trip.bookingId } }),
      emails: await h.prisma.outgoingEmail.count({ where: { bookingId: trip.bookingId } }),
      inbox: await h.prisma.consumerInboxEvent.count({ where: { bookingId: trip.bookingId } }),
    };
    const duplicatesBefore = await counter('duplicate', 'notifier');

    // The confirmation again, under a new Nats-Msg-Id so that the broker stores it: a consumer sees it twice.
    const confirmation = await h.prisma.outboxEvent.findFirstOrThrow({ where: { aggregateId: trip.bookingId, sequence: 5 } });
    await publishRaw(toCloudEvent(confirmation), confirmation.type);
    await waitUntil('the notifier to see the duplicate', async () => (await counter('duplicate', 'notifier')) > duplicatesBefore);

    expect(await h.prisma.tripSummary.findUniqueOrThrow({ where: { bookingId: trip.bookingId } })).toEqual(before.summary);
    expect(await h.prisma.outgoingEmail.count({ where: { bookingId: trip.bookingId } })).toBe(before.emails);
    expect(await h.prisma.consumerInboxEvent.count({ where: { bookingId: trip.bookingId } })).toBe(before.inbox);
  });

  it('applies a booking in sequence even when its events arrive out of order', async () => {
    const bookingId = `bk_${randomUUID()}`;
    const email = `ooo+${randomUUID().slice(0, 8)}@example.com`;
    const row = (sequence: number, type: string, data: object) => ({
      id: randomUUID(), type, aggregateId: bookingId, sequence, occurredAt: new Date(), schemaVersion: 1, data: { bookingId, ...data },
    });
    const requested = row(1, EventType.bookingRequested, {
      traveler: { name: 'Out of Order', email },
      flight: { offerId: offers.flight, seats: 1 },
      hotel: { offerId: offers.hotel, rooms: 1 },
    });
    const reserved = row(2, EventType.flightReserved, {
      reservationId: randomUUID(), kind: 'flight', offerId: offers.flight, offerName: 'TP1', quantity: 1, amount: 5_000, currency: 'EUR',
    });
    await publishRaw(toCloudEvent(reserved), reserved.type); // event 2 first
    await publishRaw(toCloudEvent(requested), requested.type);

    const summary = await waitUntil('the flight to show as reserved', async () => {
      const s = await h.prisma.tripSummary.findUnique({ where: { bookingId } });
      return s && (s.legs as { flight: { status: string } }).flight.status === 'RESERVED' ? s : undefined;
    });
    expect(summary.totalAmount).toBe(5_000);
    const inbox = await h.prisma.consumerInboxEvent.findMany({ where: { consumer: 'trip-summaries', bookingId }, orderBy: { processedAt: 'asc' } });
    expect(inbox.map((r) => [r.sequence, r.outcome])).toEqual([[1, 'applied'], [2, 'applied']]);
  });

  it('poison events go to the dead-letter subject with the reason, without holding up other bookings', async () => {
    const bookingId = `bk_${randomUUID()}`;
    // Fails every time in the read model: a reservation for a trip whose request it never saw.
    const poison = {
      id: randomUUID(), type: EventType.hotelReserved, aggregateId: bookingId, sequence: 1, occurredAt: new Date(), schemaVersion: 1,
      data: { bookingId, reservationId: randomUUID(), kind: 'hotel', offerId: offers.hotel, offerName: 'Ritz', quantity: 1, amount: 1, currency: 'EUR' },
    };
    const startedAt = Date.now();
    await publishRaw(toCloudEvent(poison), poison.type);
    await publishRaw('{"this is": "not a CloudEvent"', EventType.bookingConfirmed);
    // A healthy trip published behind the poison is applied while the poison is still being retried.
    const healthy = await directTrip(h, offers);
    await waitForSettled(await eventIdsOf(healthy.bookingId));
    const healthyDoneAt = Date.now();

    // Every consumer the pipeline runs dead-letters the garbage on its own subject.
    const consumersRunning = defaultConsumers().length;
    const deadLetters = await waitUntil('the dead letters', async () => {
      const stored = await readStream(pipeline.nc, topology.deadLetterStream);
      const garbage = stored.filter((m) => m.body.startsWith('{"this is"'));
      return garbage.length === consumersRunning && stored.some((m) => m.event.id === poison.id) ? stored : undefined;
    });
    const poisonDeadLetteredAt = (await h.prisma.consumerInboxEvent.findUniqueOrThrow({
      where: { consumer_eventId: { consumer: 'trip-summaries', eventId: poison.id } },
    })).processedAt.getTime();
    console.log(`healthy trip settled ${healthyDoneAt - startedAt} ms after the poison was published; the poison was dead-lettered after ${poisonDeadLetteredAt - startedAt} ms`);
    expect(healthyDoneAt).toBeLessThan(poisonDeadLetteredAt);

    const retried = deadLetters.find((m) => m.headers['Tripsaga-Consumer'] === 'trip-summaries' && m.event.id === poison.id);
    expect(retried?.subject).toBe(`${topology.root}.dead-letter.trip-summaries`);
    expect(retried?.headers['Tripsaga-Dead-Letter-Reason']).toMatch(/^failed 3 times, last: no trip summary for booking bk_/);
    expect(retried?.headers['Tripsaga-Original-Subject']).toBe(`${topology.root}.events.hotel.reserved`);
    const inboxRow = await h.prisma.consumerInboxEvent.findUniqueOrThrow({
      where: { consumer_eventId: { consumer: 'trip-summaries', eventId: poison.id } },
    });
    expect(inboxRow).toMatchObject({ outcome: 'dead_lettered', sequence: 1, reason: expect.stringMatching(/^failed 3 times/) });
    // The notifier has no handler for reservations: for it the same event is simply skipped.
    expect((await h.prisma.consumerInboxEvent.findUniqueOrThrow({ where: { consumer_eventId: { consumer: 'notifier', eventId: poison.id } } })).outcome).toBe('skipped');

    const garbage = deadLetters.filter((m) => m.headers['Tripsaga-Original-Subject'] === `${topology.root}.events.booking.confirmed`);
    expect(garbage.map((m) => m.headers['Tripsaga-Dead-Letter-Reason'])).toEqual(Array(consumersRunning).fill(expect.stringMatching(/^not UTF-8 JSON/)));
    expect(await counter('dead_lettered')).toBeGreaterThanOrEqual(2);
  });
});
