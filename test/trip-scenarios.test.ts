import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { ApplicationFailure } from '@temporalio/common';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../activities/index.ts';
import type { Coordination } from '../src/bookings/choreographed-booking.ts';
import { toCloudEvent } from '../src/events/cloud-event.ts';
import { EventType } from '../src/events/event-types.ts';
import { appendOutboxEvents } from '../src/outbox/append-event.ts';
import { type EventPipeline, startEventPipeline } from '../src/pipeline/event-pipeline.ts';
import { ensureStreams } from '../src/transport/jetstream/topology.ts';
import { defaultWalletSettings } from '../src/wallet/wallet-settings.ts';
import { waitUntil } from './support/direct-trips.ts';
import { confirmedTripEvents } from './support/expected-events.ts';
import { type Harness, startHarness } from './support/harness.ts';
import { untilSomeoneWaitsOnALock } from './support/lock-waits.ts';
import { removeTopology, sharedNatsUrl, uniqueTopology } from './support/nats.ts';
import { createOwnDatabase } from './support/own-database.ts';

// The saga's scenarios, written once and run against both coordinations: the Temporal orchestration (the harness's
// worker) and the choreography (the services of src/choreography as consumers on JetStream, with the relay), on one
// database of this file's own. The facts each leaves in the outbox are compared without the events only a
// choreography needs (its refusals, its car pass-through, its cancel request): the same facts, in the same order.
const topology = uniqueTopology();
let h: Harness;
let ownDb: Awaited<ReturnType<typeof createOwnDatabase>>;
let pipeline: EventPipeline;
let nc: NatsConnection;

beforeAll(async () => {
  ownDb = await createOwnDatabase('trip_scenarios');
  h = await startHarness({ databaseUrl: ownDb.url });
  nc = await connect({ servers: sharedNatsUrl });
  await ensureStreams(await jetstreamManager(nc), topology);
  pipeline = startEventPipeline({
    db: h.db,
    natsUrl: sharedNatsUrl,
    natsSubjectRoot: topology.root,
    metrics: h.metrics,
    relay: true,
    consumers: [],
    choreography: { wallet: defaultWalletSettings, stepDeadlineMs: 60_000 },
    runnerOptions: { orderWaitMs: 100, concurrency: 16 },
  });
});
afterAll(async () => {
  await pipeline?.stop();
  await nc?.close();
  await removeTopology(sharedNatsUrl, topology);
  await h?.stop();
  await ownDb?.drop();
});

const choreographyOnly = new Set([
  EventType.flightRefused,
  EventType.hotelRefused,
  EventType.carRefused,
  EventType.paymentDeclined,
  EventType.carSkipped,
  EventType.carSkipUndone,
  EventType.bookingCancelRequested,
  EventType.bookingConfirmationWithdrawn,
].map((type) => type.replace('com.tripsaga.', '')));

/** The trip's facts in commit order, as both coordinations write them. */
async function facts(bookingId: string) {
  return (await h.eventTypes(bookingId)).filter((type) => !choreographyOnly.has(type));
}

async function availability(offers: { flight: { id: string }; hotel: { id: string }; car: { id: string } }) {
  return [await h.available(offers.flight.id), await h.available(offers.hotel.id), await h.available(offers.car.id)];
}

/** Parks a step inside its transaction: the offer's row stays locked until `release`. */
async function parkOn(offerId: string) {
  const blocker = new pg.Client({ connectionString: ownDb.url });
  await blocker.connect();
  await blocker.query('BEGIN');
  await blocker.query('SELECT id FROM offers WHERE id = $1 FOR UPDATE', [offerId]);
  return {
    untilAStepWaits: () => untilSomeoneWaitsOnALock(blocker),
    release: async () => {
      await blocker.query('ROLLBACK');
      await blocker.end();
    },
  };
}

describe.each(['orchestration', 'choreography'] as const)('the trip saga, %s', (coordination: Coordination) => {
  const book = async (offers: { flight: string; hotel: string; car?: string }, seats = 2, rooms = 1) =>
    h.book({ ...h.request(offers, seats, rooms), coordination });
  const ids = (o: { flight: { id: string }; hotel: { id: string }; car: { id: string } }) => ({ flight: o.flight.id, hotel: o.hotel.id, car: o.car.id });

  it('confirms a trip: three reservations, the total charged, the same facts in the same order, the same view', async () => {
    const offers = await h.tripOffers();
    const id = await book(ids(offers));

    await h.waitForStatus(id, 'CONFIRMED');
    expect(await facts(id)).toEqual([...confirmedTripEvents]);
    expect(await availability(offers)).toEqual([8, 9, 9]);
    const view = await (await h.asOwnerOf(id)).get(`/bookings/${id}`).expect(200);
    expect(view.body).toMatchObject({
      status: 'CONFIRMED',
      coordination,
      reservations: { flight: { status: 'RESERVED', quantity: 2 }, hotel: { status: 'RESERVED' }, car: { status: 'RESERVED' } },
      payment: { status: 'CHARGED', amount: 40_000, currency: 'EUR' },
    });
    expect(view.body.workflow === null).toBe(coordination === 'choreography');
  });

  it('confirms a trip without a car', async () => {
    const offers = await h.tripOffers();
    const id = await book({ flight: offers.flight.id, hotel: offers.hotel.id });
    await h.waitForStatus(id, 'CONFIRMED');
    expect(await facts(id)).toEqual(confirmedTripEvents.filter((type) => type !== 'car.reserved'));
  });

  const refusals = [
    { step: 'flight', capacity: { flight: 1 }, reason: /^flight: OfferSoldOut: .* 2 wanted, 1 of 1 left$/, undone: [] },
    { step: 'hotel', capacity: { hotel: 0 }, reason: /^hotel: OfferSoldOut/, undone: ['flight.reserved', 'flight.released'] },
    {
      step: 'car',
      capacity: { car: 0 },
      reason: /^car: OfferSoldOut/,
      undone: ['flight.reserved', 'hotel.reserved', 'hotel.released', 'flight.released'],
    },
    {
      step: 'payment',
      capacity: {},
      price: 600_000, // 2 seats: 12 000.00 EUR, over the wallet's 10 000.00
      reason: /^payment: PaymentDeclined: /,
      undone: ['flight.reserved', 'hotel.reserved', 'car.reserved', 'car.released', 'hotel.released', 'flight.released'],
    },
  ];
  it.each(refusals)('a refusal at the $step step: the steps before it undone in reverse, availability restored', async ({ capacity, price, reason, undone }) => {
    const offers = await h.tripOffers(capacity);
    const flight = price ? await h.offer('flight', 10, undefined, price) : offers.flight;
    const id = await book({ ...ids(offers), flight: flight.id });

    const booking = await h.waitForStatus(id, 'COMPENSATED');
    expect(booking.failureReason).toMatch(reason);
    expect(await facts(id)).toEqual(['booking.requested', 'booking.status-changed', ...undone, 'booking.compensated', 'booking.status-changed']);
    expect([await h.available(flight.id), await h.available(offers.hotel.id), await h.available(offers.car.id)]).toEqual([
      price ? 10 : (capacity.flight ?? 10),
      capacity.hotel ?? 10,
      capacity.car ?? 10,
    ]);
    expect(await h.prisma.reservation.count({ where: { bookingId: id, status: 'RESERVED' } })).toBe(0);
    expect(await h.prisma.payment.count({ where: { bookingId: id } })).toBe(0);
    const view = await (await h.asOwnerOf(id)).get(`/bookings/${id}`).expect(200);
    expect(view.body).toMatchObject({ status: 'COMPENSATED', failureReason: booking.failureReason, coordination });
  });

  it('cancelled while running (a step in flight): everything taken is given back, CANCELLED with the reason', async () => {
    const offers = await h.tripOffers();
    const parked = await parkOn(offers.hotel.id);
    const id = await book(ids(offers));
    await parked.untilAStepWaits();
    // With the choreography the cancel waits for the hotel step's transaction (it holds the booking's row): send it,
    // then let the step go.
    const cancelled = (await h.asOwnerOf(id)).post(`/bookings/${id}/cancel`).send({ reason: 'plans changed' }).then((r) => r);
    await sleep(300);
    await parked.release();
    expect((await cancelled).status).toBe(202);

    const booking = await h.waitForStatus(id, 'CANCELLED');
    expect(booking.failureReason).toBe('plans changed');
    expect(await availability(offers)).toEqual([10, 10, 10]);
    expect(await h.prisma.reservation.count({ where: { bookingId: id, status: 'RESERVED' } })).toBe(0);
    const payment = await h.prisma.payment.findUnique({ where: { bookingId: id } });
    expect(payment === null || payment.status === 'REFUNDED').toBe(true);
    await (await h.asOwnerOf(id)).post(`/bookings/${id}/cancel`).send({}).expect(409);
  });

  it('cancelled after confirmation: refunded, every reservation given back in reverse order', async () => {
    const offers = await h.tripOffers();
    const id = await book(ids(offers));
    await h.waitForStatus(id, 'CONFIRMED');
    await (await h.asOwnerOf(id)).post(`/bookings/${id}/cancel`).send({ reason: 'changed my mind' }).expect(202);

    const booking = await h.waitForStatus(id, 'CANCELLED');
    expect(booking.failureReason).toBe('changed my mind');
    expect(await facts(id)).toEqual([
      ...confirmedTripEvents,
      'payment.refunded',
      'car.released',
      'hotel.released',
      'flight.released',
      'booking.cancelled',
      'booking.status-changed',
    ]);
    expect(await availability(offers)).toEqual([10, 10, 10]);
    expect((await h.prisma.payment.findUniqueOrThrow({ where: { bookingId: id } })).status).toBe('REFUNDED');
  });

  it('20 bookings racing for 5 seats: 5 confirmed, 15 compensated, never oversold', async () => {
    const offers = await h.tripOffers({ flight: 5, hotel: 20, car: 20 });
    const booked = await Promise.all(Array.from({ length: 20 }, () => book(ids(offers), 1, 1)));
    const settled = await waitUntil('every booking to settle', async () => {
      const rows = await h.prisma.booking.findMany({ where: { id: { in: booked } }, select: { status: true } });
      return rows.every((r) => r.status !== 'PENDING') ? rows : undefined;
    }, 90_000);
    const count = (status: string) => settled.filter((r) => r.status === status).length;
    expect([count('CONFIRMED'), count('COMPENSATED')]).toEqual([5, 15]);
    expect(await availability(offers)).toEqual([0, 15, 15]);
    expect(await h.prisma.reservation.count({ where: { bookingId: { in: booked }, status: 'RESERVED' } })).toBe(15);
  }, 120_000);

  it('a step delivered twice, and a step delivered out of order: each takes effect once, in order', async () => {
    const offers = await h.tripOffers();
    if (coordination === 'orchestration') {
      // Temporal's deliveries are activity tasks: a retry of a step that succeeded, and an attempt that comes after
      // its own compensation (it outlived its timeout).
      const id = await book(ids(offers));
      await h.waitForStatus(id, 'CONFIRMED');
      const activities = createActivities({ prisma: h.prisma });
      const again = await activities.reserveHotel({ bookingId: id, offerId: offers.hotel.id, quantity: 1 });
      expect(again.offerId).toBe(offers.hotel.id);
      const soldOut = await h.tripOffers({ car: 0 });
      const late = await h.book(h.request(ids(soldOut)));
      await h.waitForStatus(late, 'COMPENSATED');
      // The car step failed and its compensation recorded that there was nothing to undo: a late attempt takes nothing.
      await expect(activities.reserveCar({ bookingId: late, offerId: soldOut.car.id, quantity: 1 })).rejects.toSatisfy(
        (error: unknown) => error instanceof ApplicationFailure && error.type === 'StepAlreadyCompensated',
      );
      expect(await facts(id)).toEqual([...confirmedTripEvents]);
    } else {
      // A booking whose first two events reach the stream late, the second before the first, and the first twice.
      const id = `bk_${randomUUID()}`;
      const request = { ...h.request(ids(offers), 2, 1), coordination };
      const now = new Date();
      const rows = await h.prisma.$transaction(async (tx) => {
        await tx.booking.create({ data: { id, travelerName: request.traveler.name, travelerEmail: request.traveler.email, request, coordination, createdAt: now, updatedAt: now } });
        await appendOutboxEvents(tx, [
          {
            bookingId: id,
            type: EventType.bookingRequested,
            data: {
              bookingId: id,
              traveler: request.traveler,
              trip: { flight: { offerId: offers.flight.id, quantity: 2 }, hotel: { offerId: offers.hotel.id, quantity: 1 }, car: { offerId: offers.car.id, quantity: 1 } },
            },
            occurredAt: now,
          },
          { bookingId: id, type: EventType.bookingStatusChanged, data: { bookingId: id }, occurredAt: now },
        ]);
        // Marked as published, so the relay leaves them to the test to deliver.
        await tx.outboxEvent.updateMany({ where: { aggregateId: id }, data: { publishedAt: now } });
        return tx.outboxEvent.findMany({ where: { aggregateId: id }, orderBy: { sequence: 'asc' } });
      });
      const js = jetstream(nc);
      const publish = (row: (typeof rows)[number]) => js.publish(topology.subjectFor(row.type), JSON.stringify(toCloudEvent(row)), { msgID: randomUUID() });
      await publish(rows[1]!);
      await publish(rows[0]!);
      await publish(rows[0]!);

      await h.waitForStatus(id, 'CONFIRMED');
      expect(await facts(id)).toEqual([...confirmedTripEvents]);
      const inbox = await h.prisma.consumerInboxEvent.findMany({ where: { consumer: 'choreography-flight', bookingId: id, sequence: { lte: 2 } }, orderBy: { sequence: 'asc' } });
      expect(inbox.map((r) => [r.sequence, r.outcome])).toEqual([[1, 'applied'], [2, 'skipped']]);
    }
    expect(await availability(offers)).toEqual([8, 9, 9]);
  });
});
