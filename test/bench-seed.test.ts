import type { Client } from '@temporalio/client';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../src/lib/clock.ts';
import { createActivities } from '../activities/index.ts';
import { seedConfirmedBookings } from '../bench/seed-confirmed-bookings.ts';
import { type OfferPool, resetBookings, seedOffers, seedPendingBookings } from '../bench/seed.ts';
import { createBookingService } from '../src/bookings/booking-service.ts';
import { travelerPseudonym } from '../src/data-protection/traveler-pseudonym.ts';
import { type BookingView, toBookingView } from '../src/bookings/booking-view.ts';
import { applyEvent } from '../src/consumers/apply-event.ts';
import { readConsumedEvent } from '../src/consumers/consumed-event.ts';
import { readOrdering } from '../src/events/envelope.ts';
import { notifierConsumer } from '../src/consumers/notifier/notifier.ts';
import { tripSummariesConsumer } from '../src/consumers/trip-summaries/trip-summaries.ts';
import { statusUpdatesConsumer } from '../src/consumers/status-updates/status-updates.ts';
import { type Database, openDatabase } from '../src/db/open-database.ts';
import type { Db } from '../src/db/prisma.ts';
import { toCloudEvent } from '../src/events/cloud-event.ts';
import { walletStatementsConsumer } from '../src/wallet/projections/wallet-statement.ts';
import { walletStreamId } from '../src/wallet/wallet-stream.ts';
import { defaultWalletSettings } from '../src/wallet/wallet-settings.ts';
import { confirmedTripEvents } from './support/expected-events.ts';
import { createOwnDatabase } from './support/own-database.ts';

// The benchmark seeds its "database that has lived with N bookings" with SQL. These check those rows against what the
// real code writes, so the seed cannot drift from the app unnoticed (it did once: a payment step and a sequence later).
let ownDb: Awaited<ReturnType<typeof createOwnDatabase>>;
let pool: pg.Pool;
let database: Database;
let prisma: Db;
let offers: OfferPool;
const pseudonym = travelerPseudonym(Buffer.alloc(32, 7));

beforeAll(async () => {
  ownDb = await createOwnDatabase('bench_seed');
  pool = new pg.Pool({ connectionString: ownDb.url, max: 4 });
  database = await openDatabase({ databaseUrl: ownDb.url, dataDir: '', migrate: false });
  prisma = database.prisma;
  offers = await seedOffers(pool, 2);
  await seedConfirmedBookings(pool, 3, offers);
});
afterAll(async () => {
  await database?.close();
  await pool?.end();
  await ownDb?.drop();
});

/** A confirmed trip through the real write path: the API's accept, then the saga's activities (no Temporal). */
async function realConfirmedTrip(acceptedBy: 'api' | 'pending seed'): Promise<string> {
  let bookingId: string;
  if (acceptedBy === 'api') {
    const noSaga = { workflow: { start: async () => undefined }, options: { namespace: 'default' } } as unknown as Client;
    const bookings = createBookingService({
      prisma,
      temporal: noSaga,
      taskQueue: 'none',
      clock: systemClock,
      temporalUiUrl: 'http://ui.invalid',
      travelerPseudonym: pseudonym,
    });
    const request = {
      traveler: { name: 'Grace Hopper', email: `grace+${Math.random().toString(36).slice(2, 10)}@example.com` }, // a wallet of her own
      flight: { offerId: offers.flight[0]!, seats: 1 },
      hotel: { offerId: offers.hotel[0]!, rooms: 1 },
      car: { offerId: offers.car[0]! },
    };
    bookingId = (await bookings.createBooking(request, `real-${Math.random()}`)).booking.id;
  } else {
    [bookingId] = (await seedPendingBookings(pool, 1, offers)) as [string];
  }
  const request = (await prisma.booking.findUniqueOrThrow({ where: { id: bookingId } })).request as {
    flight: { offerId: string };
    hotel: { offerId: string };
    car: { offerId: string };
  };
  const activities = createActivities({ prisma });
  await activities.reserveFlight({ bookingId, offerId: request.flight.offerId, quantity: 1 });
  await activities.reserveHotel({ bookingId, offerId: request.hotel.offerId, quantity: 1 });
  await activities.reserveCar({ bookingId, offerId: request.car.offerId, quantity: 1 });
  await activities.chargePayment({ bookingId });
  await activities.recordBookingOutcome({ bookingId, status: 'CONFIRMED' });
  return bookingId;
}

/** The structure of a value: keys and the types of the leaves, not the values. */
function shape(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(shape);
  if (value instanceof Date) return 'date';
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, shape(v)]));
  }
  return value === null ? 'null' : typeof value;
}

async function walletOf(bookingId: string) {
  const { travelerEmail } = await prisma.booking.findUniqueOrThrow({ where: { id: bookingId } });
  return walletStreamId(travelerEmail);
}

/** The traveler's wallet as the payment step left it: the stream, its announcements, the summary. */
async function walletSide(bookingId: string) {
  const streamId = await walletOf(bookingId);
  const stream = await prisma.eventStream.findUniqueOrThrow({ where: { streamId } });
  const events = await prisma.streamEvent.findMany({ where: { streamId }, orderBy: { streamPosition: 'asc' } });
  const announced = await prisma.outboxEvent.findMany({ where: { aggregateId: streamId }, orderBy: { sequence: 'asc' } });
  const summary = await prisma.walletSummary.findUniqueOrThrow({ where: { streamId } });
  const payment = await prisma.payment.findUniqueOrThrow({ where: { bookingId } });
  return {
    stream: { streamType: stream.streamType, version: stream.version },
    events: events.map((e) => ({ streamPosition: e.streamPosition, type: e.type, schemaVersion: e.schemaVersion, data: shape(e.data), metadata: e.metadata })),
    chargedThisBooking: (events[1]?.data as { bookingId?: string }).bookingId === bookingId,
    announced: announced.map((e, i) => ({ aggregateType: e.aggregateType, sequence: e.sequence, sameId: e.id === events[i]?.id, type: e.type, data: e.data })),
    announcedAsStored: announced.every((e, i) => JSON.stringify(e.data) === JSON.stringify(events[i]?.data) && e.occurredAt.getTime() === events[i]?.recordedAt.getTime()),
    summary: { creditLeft: summary.balance === defaultWalletSettings.openingCredit.amount - payment.amount, version: summary.version, openCharges: summary.openCharges, currency: summary.currency },
  };
}

/** Without the values that differ between two wallets (ids, the traveler): what must match. */
function walletShape(side: Awaited<ReturnType<typeof walletSide>>) {
  const anonymous = (data: unknown) => shape(data);
  return {
    ...side,
    events: side.events.map((e) => ({ ...e, metadata: shape(e.metadata) })),
    announced: side.announced.map((e) => ({ ...e, data: anonymous(e.data) })),
  };
}

async function writeSide(bookingId: string) {
  const booking = await prisma.booking.findUniqueOrThrow({ where: { id: bookingId }, include: { reservations: true, payment: true, idempotencyKey: true } });
  const events = await prisma.outboxEvent.findMany({ where: { aggregateId: bookingId }, orderBy: { position: 'asc' } });
  const steps = await prisma.sagaStep.findMany({ where: { bookingId }, orderBy: { step: 'asc' } });
  return {
    wallet: walletShape(await walletSide(bookingId)),
    chargeIdNamesTheWallet: booking.payment?.providerChargeId === `${await walletOf(bookingId)}:charge:${bookingId}`,
    status: booking.status,
    request: shape(booking.request),
    reservations: booking.reservations.map((r) => r.kind).sort(),
    payment: shape({ ...booking.payment, id: 'id', bookingId: 'id' }),
    idempotencyKey: shape(booking.idempotencyKey),
    events: events.map((e) => ({ sequence: e.sequence, type: e.type, schemaVersion: e.schemaVersion, data: shape(e.data) })),
    steps: steps.map((s) => ({ step: s.step, key: s.idempotencyKey === `${bookingId}:${s.step}`, result: shape(s.result) })),
  };
}

/** What each consumer left for a booking, without the ids and clocks that differ between two runs. */
async function consumerSide(bookingId: string) {
  const wallet = await walletOf(bookingId);
  const inbox = await prisma.consumerInboxEvent.findMany({ where: { bookingId: { in: [bookingId, wallet] } }, orderBy: [{ consumer: 'asc' }, { bookingId: 'asc' }, { sequence: 'asc' }] });
  const statement = await prisma.walletStatementEntry.findMany({ where: { streamId: wallet }, orderBy: { streamPosition: 'asc' } });
  const summary = await prisma.tripSummary.findUnique({ where: { bookingId } });
  const emails = await prisma.outgoingEmail.findMany({ where: { bookingId } });
  const notifications = await prisma.tripNotification.findMany({ where: { bookingId }, orderBy: { dedupeKey: 'asc' } });
  return {
    inbox: inbox.map(({ consumer, eventId, bookingId: subject, sequence, type, outcome, reason }) => ({ consumer, eventId, subject, sequence, type, outcome, reason })),
    statement,
    summary,
    emails: emails.map(({ eventId, template, recipient, subject, body }) => ({ eventId, template, recipient, subject, body })),
    notifications: notifications.map(({ dedupeKey, status, recipient, subject, text, eventId }) => ({ dedupeKey, status, recipient, subject, text, eventId })),
  };
}

async function seededBookingId(): Promise<string> {
  const { rows } = await pool.query<{ id: string }>("SELECT id FROM bookings WHERE id IN (SELECT booking_id FROM trip_summaries) LIMIT 1");
  return rows[0]!.id;
}

describe('bench seed', () => {
  it('a seeded confirmed booking has the rows a real confirmed trip writes, shaped the same', async () => {
    const seeded = await seededBookingId();
    const real = await realConfirmedTrip('api');

    const seededRows = await writeSide(seeded);
    expect(seededRows.events.map((e) => e.type.replace(/^com\.tripsaga\./, ''))).toEqual([...confirmedTripEvents]);
    expect(seededRows.events.map((e) => e.sequence)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(seededRows).toEqual(await writeSide(real));

    const unpublished = await prisma.outboxEvent.count({ where: { aggregateId: seeded, publishedAt: null } });
    expect(unpublished).toBe(0);
    const payment = await prisma.payment.findUniqueOrThrow({ where: { bookingId: seeded } });
    const reservations = await prisma.reservation.findMany({ where: { bookingId: seeded } });
    expect(payment.amount).toBe(reservations.reduce((sum, r) => sum + r.amount, 0));
    const wallet = await walletSide(seeded);
    expect(wallet.chargedThisBooking && wallet.announcedAsStored && seededRows.chargeIdNamesTheWallet).toBe(true);
    expect(wallet.summary.creditLeft).toBe(true);
    expect(await prisma.outboxEvent.count({ where: { aggregateId: await walletOf(seeded), publishedAt: null } })).toBe(0);
  });

  it("the seeded consumer rows are exactly what the real consumers make of the seeded events", async () => {
    const bookingId = await seededBookingId();
    const seeded = await consumerSide(bookingId);
    const consumers = 4;
    expect(seeded.inbox).toHaveLength(consumers * (8 + 2));
    expect(seeded.statement).toHaveLength(2);

    const wallet = await walletOf(bookingId);
    for (const table of ['consumer_inbox', 'trip_summaries', 'outgoing_emails', 'trip_notifications']) {
      await pool.query(`DELETE FROM ${table} WHERE booking_id = $1 OR booking_id = $2`, [bookingId, wallet]);
    }
    await pool.query('DELETE FROM wallet_statement_entries WHERE stream_id = $1', [wallet]);
    const booking = await prisma.booking.findUniqueOrThrow({ where: { id: bookingId }, include: { reservations: true, payment: true } });
    const confirmedView = toBookingView(booking, undefined, 'http://ui.invalid', 'default', pseudonym(booking.travelerEmail));
    // status-updates asks the API when the event arrives: still PENDING at the first status change, CONFIRMED at the last.
    let answer: BookingView = { ...confirmedView, status: 'PENDING' };
    const events = await prisma.outboxEvent.findMany({ where: { aggregateId: bookingId }, orderBy: { sequence: 'asc' } });
    const walletEvents = await prisma.outboxEvent.findMany({ where: { aggregateId: wallet }, orderBy: { sequence: 'asc' } });
    const decode = (e: (typeof events)[number]) => readConsumedEvent(readOrdering(JSON.stringify(toCloudEvent(e))));
    const consumersRun = [tripSummariesConsumer, notifierConsumer, statusUpdatesConsumer({ getBooking: async () => answer }), walletStatementsConsumer];
    expect(consumersRun).toHaveLength(consumers);
    for (const consumer of consumersRun) {
      for (const event of events.map(decode)) {
        if (event.sequence === 8) answer = confirmedView;
        expect(await applyEvent(prisma, consumer, event)).not.toBe('duplicate');
      }
      answer = { ...confirmedView, status: 'PENDING' };
      for (const event of walletEvents.map(decode)) expect(await applyEvent(prisma, consumer, event)).not.toBe('duplicate');
    }
    expect(await consumerSide(bookingId)).toEqual(seeded);
  });

  it('a seeded pending booking is what the API accepts: the steps continue its event sequence', async () => {
    const fromSeed = await writeSide(await realConfirmedTrip('pending seed'));
    const fromApi = await writeSide(await realConfirmedTrip('api'));
    expect({ ...fromSeed, idempotencyKey: undefined }).toEqual({ ...fromApi, idempotencyKey: undefined });
  });

  it('resetBookings leaves no booking rows anywhere', async () => {
    await resetBookings(pool);
    const { rows } = await pool.query<{ n: number }>(
      `SELECT (SELECT count(*) FROM bookings) + (SELECT count(*) FROM payments) + (SELECT count(*) FROM outbox_events)
            + (SELECT count(*) FROM consumer_inbox) + (SELECT count(*) FROM trip_summaries) + (SELECT count(*) FROM outgoing_emails)
            + (SELECT count(*) FROM trip_notifications) + (SELECT count(*) FROM saga_steps)
            + (SELECT count(*) FROM event_streams) + (SELECT count(*) FROM stream_events) + (SELECT count(*) FROM wallet_summaries)
            + (SELECT count(*) FROM wallet_statement_entries) AS n`,
    );
    expect(Number(rows[0]!.n)).toBe(0);
    const { rows: offersLeft } = await pool.query<{ taken: number }>('SELECT count(*)::int AS taken FROM offers WHERE available <> capacity');
    expect(offersLeft[0]!.taken).toBe(0);
  });
});
