import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { jetstream } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { appendOutboxEvent } from '../../src/outbox/append-event.ts';
import { EventType } from '../../src/events/event-types.ts';
import { startEventPipeline } from '../../src/pipeline/event-pipeline.ts';
import { waitUntil } from '../support/direct-trips.ts';
import { type Harness, startHarness } from '../support/harness.ts';
import { readStream, removeTopology, sharedNatsUrl, uniqueTopology } from '../support/nats.ts';
import { createOwnDatabase } from '../support/own-database.ts';
import { commitThenPublish, publishThenCommit } from './publish-outside-transaction/publish-beside-commit.ts';

// A hotel room reserved and announced, by a writer that publishes to NATS beside its transaction
// (publish-outside-transaction/publish-beside-commit.ts) and by the project's reserveHotel activity (outbox + relay).
// The writers run as real processes that die by SIGKILL right after their commit; the relay runs throughout.
const topology = uniqueTopology();
const subject = topology.subjectFor(EventType.hotelReserved);
let h: Harness;
let ownDb: Awaited<ReturnType<typeof createOwnDatabase>>;
let nc: NatsConnection;
let db: pg.Client;
let pipeline: ReturnType<typeof startEventPipeline>;

beforeAll(async () => {
  ownDb = await createOwnDatabase('publish');
  h = await startHarness({ worker: false, databaseUrl: ownDb.url });
  nc = await connect({ servers: sharedNatsUrl });
  db = new pg.Client({ connectionString: ownDb.url });
  await db.connect();
  pipeline = startEventPipeline({ db: h.db, natsUrl: sharedNatsUrl, natsSubjectRoot: topology.root, metrics: h.metrics, relay: true, consumers: false });
  // The relay creates the stream; the anti-pattern publishes into the same one.
  await waitUntil('the relay to create its stream', async () => (await readStream(nc, topology.eventsStream)) && true);
});
afterAll(async () => {
  await pipeline?.stop();
  await db?.end();
  await nc?.close();
  await removeTopology(sharedNatsUrl, topology);
  await h?.stop();
  await ownDb?.drop();
});

const writerPath = fileURLToPath(new URL('./publish-outside-transaction/writer.ts', import.meta.url));

/** Runs the writer as its own process (node --import tsx: the pid is the writer) until it dies. */
async function runWriterUntilItDies(writer: 'commit-then-publish' | 'outbox', bookingId: string, offerId: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', writerPath], {
    env: { ...process.env, WRITER: writer, DATABASE_URL: ownDb.url, NATS_URL: sharedNatsUrl, SUBJECT: subject, BOOKING_ID: bookingId, OFFER_ID: offerId },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  return { code, signal, output };
}

async function newBooking() {
  const offers = await h.tripOffers();
  return { bookingId: await h.book(h.request({ flight: offers.flight.id, hotel: offers.hotel.id }, 1, 1)), hotel: offers.hotel.id };
}

/** What reached the stream about a booking's hotel: the anti-pattern's bare JSON and the relay's CloudEvents alike. */
async function hotelAnnouncements(bookingId: string) {
  const messages = (await readStream(nc, topology.eventsStream)).filter((m) => m.subject === subject);
  return messages.filter((m) => (m.event.subject ?? (JSON.parse(m.body) as { bookingId: string }).bookingId) === bookingId).length;
}

const reservations = (bookingId: string) => h.prisma.reservation.count({ where: { bookingId, kind: 'hotel' } });

it('a crash between commit and publish loses the event for good; the outbox and relay deliver it once', async () => {
  // With no crash the anti-pattern does announce: what follows is the crash's doing.
  const calm = await newBooking();
  await commitThenPublish(db, jetstream(nc), subject, { bookingId: calm.bookingId, offerId: calm.hotel, rooms: 1 });
  expect(await hotelAnnouncements(calm.bookingId)).toBe(1);

  const naive = await newBooking();
  const naiveRun = await runWriterUntilItDies('commit-then-publish', naive.bookingId, naive.hotel);
  expect(naiveRun, naiveRun.output).toMatchObject({ signal: 'SIGKILL' });
  const project = await newBooking();
  const projectRun = await runWriterUntilItDies('outbox', project.bookingId, project.hotel);
  expect(projectRun, projectRun.output).toMatchObject({ signal: 'SIGKILL' });

  // Both rooms are taken; only the outbox remembers that someone must be told.
  expect([await reservations(naive.bookingId), await h.available(naive.hotel)]).toEqual([1, 9]);
  expect([await reservations(project.bookingId), await h.available(project.hotel)]).toEqual([1, 9]);
  const outboxRows = (bookingId: string) => h.prisma.outboxEvent.count({ where: { aggregateId: bookingId, type: EventType.hotelReserved } });
  expect([await outboxRows(naive.bookingId), await outboxRows(project.bookingId)]).toEqual([0, 1]);

  await waitUntil('the relay to drain the outbox', async () => (await h.prisma.outboxEvent.count({ where: { publishedAt: null } })) === 0);
  const lost = await hotelAnnouncements(naive.bookingId);
  const delivered = await hotelAnnouncements(project.bookingId);
  console.log(`killed after commit: commit-then-publish announced ${lost} of 1 reservation(s); outbox + relay announced ${delivered} of 1`);
  expect(lost).toBe(0);
  expect(delivered).toBe(1);
});

it('publishing before a commit that fails announces a reservation that never happened; an outbox row rolls back with it', async () => {
  // A retried step: the booking already holds its hotel reservation, so the second insert violates the unique
  // (booking, kind) index and the transaction rolls back. The anti-pattern has published by then.
  const naive = await newBooking();
  await commitThenPublish(db, jetstream(nc), subject, { bookingId: naive.bookingId, offerId: naive.hotel, rooms: 1 });
  await expect(publishThenCommit(db, jetstream(nc), subject, { bookingId: naive.bookingId, offerId: naive.hotel, rooms: 1 })).rejects.toThrow(/duplicate key/);
  const naiveAnnounced = await hotelAnnouncements(naive.bookingId);
  console.log(`publish then a failed commit: ${naiveAnnounced} announcement(s) for ${await reservations(naive.bookingId)} reservation(s), ${await h.available(naive.hotel)} of 10 rooms left`);
  expect([naiveAnnounced, await reservations(naive.bookingId), await h.available(naive.hotel)]).toEqual([2, 1, 9]);

  const project = await newBooking();
  const [first] = await h.prisma.$transaction(async (tx) => {
    const offer = await tx.offer.update({ where: { id: project.hotel }, data: { available: { decrement: 1 } } });
    const reservation = await tx.reservation.create({
      data: { bookingId: project.bookingId, kind: 'hotel', offerId: project.hotel, quantity: 1, amount: offer.priceAmount, currency: offer.currency },
    });
    await appendOutboxEvent(tx, { bookingId: project.bookingId, type: EventType.hotelReserved, data: hotelReserved(reservation, offer.name), occurredAt: new Date() });
    return [reservation];
  });
  const retry = h.prisma.$transaction(async (tx) => {
    const offer = await tx.offer.update({ where: { id: project.hotel }, data: { available: { decrement: 1 } } });
    await appendOutboxEvent(tx, { bookingId: project.bookingId, type: EventType.hotelReserved, data: hotelReserved(first!, offer.name), occurredAt: new Date() });
    await tx.reservation.create({
      data: { bookingId: project.bookingId, kind: 'hotel', offerId: project.hotel, quantity: 1, amount: offer.priceAmount, currency: offer.currency },
    });
  });
  await expect(retry).rejects.toThrow(/Unique constraint/);
  await waitUntil('the relay to drain the outbox', async () => (await h.prisma.outboxEvent.count({ where: { publishedAt: null } })) === 0);
  const projectAnnounced = await hotelAnnouncements(project.bookingId);
  console.log(`outbox, then a failed commit: ${projectAnnounced} announcement(s) for ${await reservations(project.bookingId)} reservation(s), ${await h.available(project.hotel)} of 10 rooms left`);
  expect([projectAnnounced, await reservations(project.bookingId), await h.available(project.hotel)]).toEqual([1, 1, 9]);
});

function hotelReserved(reservation: { id: string; bookingId: string; offerId: string; quantity: number; amount: number; currency: string }, offerName: string) {
  const { id, bookingId, offerId, quantity, amount, currency } = reservation;
  return { bookingId, reservationId: id, kind: 'hotel' as const, offerId, offerName, quantity, amount, currency };
}
