import { randomUUID } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../activities/index.ts';
import { loadAggregate } from '../src/event-store/load-aggregate.ts';
import { EventType } from '../src/events/event-types.ts';
import { rebuildWalletProjections } from '../src/wallet/projections/rebuild.ts';
import { walletPaymentMethod } from '../src/wallet/wallet-payment-method.ts';
import { walletAggregate, walletStreamId } from '../src/wallet/wallet-stream.ts';
import { waitUntil } from './support/direct-trips.ts';
import { type Harness, startHarness } from './support/harness.ts';
import { createOwnDatabase } from './support/own-database.ts';
import { uniqueTopology } from './support/nats.ts';
import { startTestPipeline, type TestPipeline } from './support/pipeline.ts';

// End to end: the API, real sagas on the Temporal dev server, the relay and the consumers on NATS JetStream, over a
// database of this file's own (the rebuild compares every wallet row). The worker pays from the wallet (the default).

const topology = uniqueTopology();
let h: Harness;
let ownDb: Awaited<ReturnType<typeof createOwnDatabase>>;
let pipeline: TestPipeline;

beforeAll(async () => {
  ownDb = await createOwnDatabase('wallet');
  let real: ReturnType<typeof createActivities> | undefined;
  h = await startHarness({
    databaseUrl: ownDb.url,
    activities: {
      // For a `flaky+` traveler the charge commits, then the worker "loses the connection" before Temporal hears back:
      // Temporal retries a step that already took the money.
      chargePayment: async (input) => {
        real ??= createActivities({ prisma: h.prisma, wallet: h.walletSettings });
        const receipt = await real.chargePayment(input);
        const { travelerEmail } = await h.prisma.booking.findUniqueOrThrow({ where: { id: input.bookingId } });
        if (travelerEmail.startsWith('flaky+') && Context.current().info.attempt === 1) throw new Error('ECONNRESET: connection lost after commit');
        return receipt;
      },
    },
  });
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

const credit = () => h.walletSettings.openingCredit.amount;
const newTraveler = () => ({ name: 'Ada Lovelace', email: `Ada+${randomUUID().slice(0, 8)}@Example.com` });
const short = (type: string) => type.replace(/^com\.tripsaga\.wallet\./, '');

/** Offers whose trip (2 seats, 1 room, 1 car) costs `unit` x 4. */
async function tripAt(unit: number) {
  const [flight, hotel, car] = [await h.offer('flight', 50, undefined, unit), await h.offer('hotel', 50, undefined, unit), await h.offer('car', 50, undefined, unit)];
  return { flight: flight.id, hotel: hotel.id, car: car.id, total: unit * 4 };
}

async function book(traveler: { name: string; email: string }, trip: { flight: string; hotel: string; car: string }) {
  return h.book({ traveler, flight: { offerId: trip.flight, seats: 2 }, hotel: { offerId: trip.hotel, rooms: 1 }, car: { offerId: trip.car } });
}

const walletOf = async (email: string) => (await (await h.asTraveler(email)).get(`/travelers/${encodeURIComponent(email)}/wallet`).expect(200)).body;
const eventsOf = async (email: string) => (await (await h.asTraveler(email)).get(`/travelers/${encodeURIComponent(email)}/wallet/events`).expect(200)).body.events;

/** The balance the listed events fold to, computed here from the API's answer alone. */
function foldBalance(events: { type: string; data: { amount?: number; openingCredit?: number } }[]) {
  const running: number[] = [];
  for (const e of events) {
    const before = running.at(-1) ?? 0;
    const delta = { opened: e.data.openingCredit!, deposited: e.data.amount!, charged: -e.data.amount!, refunded: e.data.amount! }[short(e.type)]!;
    running.push(before + delta);
  }
  return running;
}

describe('the wallet pays for the trip', () => {
  it('deposit, read the balance, list the events: the balance is the fold of the events', async () => {
    const { email } = newTraveler();
    const deposited = await (await h.asTraveler(email))
      .post(`/travelers/${encodeURIComponent(email)}/wallet/deposits`)
      .set('Idempotency-Key', `dep-${randomUUID()}`)
      .send({ amount: { amount: 5_000, currency: 'EUR' } })
      .expect(201);
    expect(deposited.body).toMatchObject({ traveler: email.toLowerCase(), balance: { amount: credit() + 5_000, currency: 'EUR' }, version: 2, openCharges: [] });
    expect(deposited.headers.location).toBe(`/travelers/${encodeURIComponent(email.toLowerCase())}/wallet`);
    const events = await eventsOf(email.toUpperCase());
    expect(events.map((e: { type: string; streamPosition: number }) => [short(e.type), e.streamPosition])).toEqual([
      ['opened', 1],
      ['deposited', 2],
    ]);
    expect(foldBalance(events).at(-1)).toBe((await walletOf(email)).balance.amount);
  });

  it('a booking charges its total to the wallet, in the transaction of the payment step', async () => {
    const traveler = newTraveler();
    const trip = await tripAt(12_500);
    const bookingId = await book(traveler, trip);
    await h.waitForStatus(bookingId, 'CONFIRMED');

    const events = await eventsOf(traveler.email);
    expect(events.map((e: { type: string }) => short(e.type))).toEqual(['opened', 'charged']);
    expect(events[1]).toMatchObject({ streamPosition: 2, data: { bookingId, amount: trip.total, currency: 'EUR', traveler: traveler.email.toLowerCase() } });
    expect(await walletOf(traveler.email)).toMatchObject({ balance: { amount: credit() - trip.total }, version: 2, openCharges: [{ bookingId, amount: { amount: trip.total } }] });

    const payment = await h.prisma.payment.findUniqueOrThrow({ where: { bookingId } });
    expect(payment).toMatchObject({ amount: trip.total, status: 'CHARGED', providerChargeId: `${walletStreamId(traveler.email)}:charge:${bookingId}` });
    // The step's idempotency record and the wallet event were committed together (same transaction id).
    const [sameTransaction] = await h.prisma.$queryRaw<{ same: boolean }[]>`
      SELECT (SELECT xmin::text FROM saga_steps WHERE idempotency_key = ${`${bookingId}:charge-payment`})
           = (SELECT xmin::text FROM stream_events WHERE stream_id = ${walletStreamId(traveler.email)} AND stream_position = 2) AS same`;
    expect(sameTransaction!.same).toBe(true);
    // Announced under the wallet's stream id, numbered like the stream.
    const announced = await h.prisma.outboxEvent.findMany({ where: { aggregateId: walletStreamId(traveler.email) }, orderBy: { sequence: 'asc' } });
    expect(announced.map((e) => [e.aggregateType, e.sequence, e.id])).toEqual(events.map((e: { streamPosition: number; id: string }) => ['wallet', e.streamPosition, e.id]));

    // A retry of the step (the worker lost the answer) appends nothing, and neither does the method called again.
    const activities = createActivities({ prisma: h.prisma, wallet: h.walletSettings });
    expect(await activities.chargePayment({ bookingId })).toMatchObject({ amount: trip.total });
    const method = walletPaymentMethod(h.walletSettings);
    await h.prisma.$transaction((tx) => method.charge(tx, { bookingId, email: traveler.email, amount: trip.total, currency: 'EUR', reference: 'again', description: '' }));
    expect((await eventsOf(traveler.email)).length).toBe(2);
  });

  it('a charge retried by Temporal after its commit was lost appends nothing twice', async () => {
    const traveler = { name: 'Ada', email: `flaky+${randomUUID().slice(0, 8)}@example.com` };
    const trip = await tripAt(2_000);
    const bookingId = await book(traveler, trip);
    await h.waitForStatus(bookingId, 'CONFIRMED');
    const { events: history } = await h.temporal.workflow.getHandle(bookingId).fetchHistory();
    const chargeAttempts = history!.filter((e) => e.activityTaskStartedEventAttributes && e.activityTaskStartedEventAttributes.attempt === 2);
    expect(chargeAttempts).toHaveLength(1);
    expect((await eventsOf(traveler.email)).map((e: { type: string }) => short(e.type))).toEqual(['opened', 'charged']);
    expect((await walletOf(traveler.email)).balance.amount).toBe(credit() - trip.total);
  });

  it('a trip over the balance is declined (PaymentDeclined) and compensated; the wallet is unchanged', async () => {
    const { email } = newTraveler();
    await (await h.asTraveler(email)).post(`/travelers/${encodeURIComponent(email)}/wallet/deposits`).send({ amount: { amount: 100, currency: 'EUR' } }).expect(201);
    const trip = await tripAt(Math.ceil((credit() + 101) / 4));
    const bookingId = await book({ name: 'Ada', email }, trip);
    const booking = await h.waitForStatus(bookingId, 'COMPENSATED');
    expect(booking.failureReason).toMatch(/^payment: PaymentDeclined: \d+\.\d\d EUR declined: insufficient_funds: .* more than the balance of /);
    expect((await eventsOf(email)).map((e: { type: string }) => short(e.type))).toEqual(['opened', 'deposited']);
    expect((await walletOf(email)).balance.amount).toBe(credit() + 100);
    expect(await h.prisma.payment.findUnique({ where: { bookingId } })).toBeNull();
    expect(await h.prisma.reservation.count({ where: { bookingId, status: 'RESERVED' } })).toBe(0);
  });

  it('a cancelled trip is refunded to the wallet once', async () => {
    const traveler = newTraveler();
    const trip = await tripAt(7_000);
    const bookingId = await book(traveler, trip);
    await h.waitForStatus(bookingId, 'CONFIRMED');
    await (await h.asOwnerOf(bookingId)).post(`/bookings/${bookingId}/cancel`).send({ reason: 'plans changed' }).expect(202);
    await h.waitForStatus(bookingId, 'CANCELLED');

    const refundAgain = createActivities({ prisma: h.prisma, wallet: h.walletSettings }).refundPayment;
    await refundAgain({ bookingId });
    const method = walletPaymentMethod(h.walletSettings);
    await h.prisma.$transaction((tx) => method.refund(tx, { bookingId, email: traveler.email, reference: 'again', chargeId: 'x', amount: trip.total, currency: 'EUR' }));

    const events = await eventsOf(traveler.email);
    expect(events.map((e: { type: string }) => short(e.type))).toEqual(['opened', 'charged', 'refunded']);
    expect(events[2].data).toMatchObject({ bookingId, amount: trip.total });
    expect(await walletOf(traveler.email)).toMatchObject({ balance: { amount: credit() }, version: 3, openCharges: [] });
    expect(await h.prisma.payment.findUniqueOrThrow({ where: { bookingId } })).toMatchObject({ status: 'REFUNDED' });
  });

  it('many bookings racing on one wallet that can pay for exactly k of them: k confirmed, never below zero, contiguous', async () => {
    const traveler = newTraveler();
    const k = 3;
    const n = 7;
    // Four units per trip; k trips fit the opening credit, k + 1 do not.
    const trip = await tripAt(Math.floor(credit() / (4 * k + 2)));
    expect(trip.total * k).toBeLessThanOrEqual(credit());
    expect(trip.total * (k + 1)).toBeGreaterThan(credit());
    const bookingIds = await Promise.all(Array.from({ length: n }, () => book(traveler, trip)));
    const outcomes = await Promise.all(
      bookingIds.map((id) =>
        waitUntil(`booking ${id} to settle`, async () => {
          const row = await h.prisma.booking.findUniqueOrThrow({ where: { id } });
          return row.status === 'PENDING' ? undefined : row;
        }, 90_000),
      ),
    );
    const confirmed = outcomes.filter((b) => b.status === 'CONFIRMED');
    expect(confirmed).toHaveLength(k);
    expect(outcomes.filter((b) => b.status === 'COMPENSATED')).toHaveLength(n - k);
    for (const b of outcomes.filter((o) => o.status === 'COMPENSATED')) expect(b.failureReason).toMatch(/PaymentDeclined/);

    const events = await eventsOf(traveler.email);
    expect(events.map((e: { streamPosition: number }) => e.streamPosition)).toEqual(Array.from({ length: k + 1 }, (_, i) => i + 1));
    expect(events.filter((e: { type: string }) => e.type === EventType.walletCharged).map((e: { data: { bookingId: string } }) => e.data.bookingId).sort()).toEqual(
      confirmed.map((b) => b.id).sort(),
    );
    const running = foldBalance(events);
    expect(Math.min(...running)).toBeGreaterThanOrEqual(0);
    expect(running.at(-1)).toBe(credit() - k * trip.total);
    expect((await walletOf(traveler.email)).balance.amount).toBe(running.at(-1));
  }, 120_000);
});

describe('projections', () => {
  it('the inline summary and the async statement follow the stream; a rebuild from the event store alone equals them', async () => {
    // Everything the tests above wrote, plus one wallet past a snapshot.
    const { email } = newTraveler();
    for (let i = 1; i <= 3; i += 1) {
      await (await h.asTraveler(email)).post(`/travelers/${encodeURIComponent(email)}/wallet/deposits`).send({ amount: { amount: 1_000 * i, currency: 'EUR' } }).expect(201);
    }
    const totalEvents = await h.prisma.streamEvent.count();
    await waitUntil('the statement consumer to catch up', async () => (await h.prisma.walletStatementEntry.count()) === totalEvents || undefined);

    const streams = await h.prisma.eventStream.findMany({ where: { streamType: 'wallet' } });
    const summaries = await h.prisma.walletSummary.findMany({ orderBy: { traveler: 'asc' } });
    expect(summaries).toHaveLength(streams.length);
    for (const summary of summaries) {
      const { state, version } = await loadAggregate(h.prisma, walletAggregate(h.walletSettings), summary.streamId, { useSnapshot: false });
      expect(summary).toMatchObject({ balance: state.balance, version });
      const lines = await h.prisma.walletStatementEntry.findMany({ where: { streamId: summary.streamId }, orderBy: { streamPosition: 'asc' } });
      expect(lines.at(-1)?.balanceAfter).toBe(state.balance);
    }
    expect((await walletOf(email)).balance.amount).toBe(credit() + 6_000);
    const statement = (await (await h.asTraveler(email)).get(`/travelers/${encodeURIComponent(email)}/wallet/statement`).expect(200)).body;
    expect(statement.lines.map((l: { kind: string; amount: { amount: number }; balanceAfter: number }) => [l.kind, l.amount.amount, l.balanceAfter])).toEqual([
      ['opening-credit', credit(), credit()],
      ['deposit', 1_000, credit() + 1_000],
      ['deposit', 2_000, credit() + 3_000],
      ['deposit', 3_000, credit() + 6_000],
    ]);

    const live = { summaries, lines: await h.prisma.walletStatementEntry.findMany({ orderBy: [{ streamId: 'asc' }, { streamPosition: 'asc' }] }) };
    await h.prisma.$executeRaw`UPDATE wallet_summaries SET balance = 0`; // a projection gone wrong
    await h.prisma.$executeRaw`DELETE FROM wallet_statement_entries WHERE stream_position > 1`;
    const rebuilt = await rebuildWalletProjections(h.prisma, { pageSize: 3 }); // pages that cut streams in two
    expect(rebuilt).toEqual({ wallets: streams.length, events: totalEvents });
    expect({
      summaries: await h.prisma.walletSummary.findMany({ orderBy: { traveler: 'asc' } }),
      lines: await h.prisma.walletStatementEntry.findMany({ orderBy: [{ streamId: 'asc' }, { streamPosition: 'asc' }] }),
    }).toEqual(live);
  });
});

describe('the wallet API refuses bad input with the API-wide errors, writing nothing', () => {
  const depositTo = async (email: string) => {
    const traveler = await h.asTraveler(email);
    return () => traveler.post(`/travelers/${encodeURIComponent(email)}/wallet/deposits`);
  };

  it.each([
    [{ amount: { amount: 0, currency: 'EUR' } }, 'amount.amount', 'must be above 0'],
    [{ amount: { amount: 12.5, currency: 'EUR' } }, 'amount.amount', 'must be a whole number of minor units'],
    [{ amount: { amount: 100, currency: 'USD' } }, 'amount.currency', 'must be "EUR"'],
    [{ amount: { amount: 100, currency: 'EUR' }, extra: 1 }, '(body)', 'unknown field(s): extra'],
    [{}, 'amount', expect.any(String)],
  ])('%j -> 400 naming %s', async (body, path, reason) => {
    const { email } = newTraveler();
    const res = await (await depositTo(email))().send(body).expect(400);
    expect(res.body).toEqual({ error: { code: 'invalid_request', message: expect.any(String), fields: [{ path, reason }], requestId: res.headers['x-request-id'] } });
    expect(await h.prisma.eventStream.count({ where: { streamId: walletStreamId(email) } })).toBe(0);
  });

  it('not an email -> 400; no wallet yet -> 404; not JSON -> 415', async () => {
    expect((await (await h.asOperator()).get('/travelers/not-an-email/wallet').expect(400)).body.error.fields).toEqual([{ path: 'params.email', reason: 'must be an email address' }]);
    expect((await (await h.asOperator()).get(`/travelers/nobody-${randomUUID()}@example.com/wallet/events`).expect(404)).body.error.code).toBe('wallet_not_found');
    const { email } = newTraveler();
    await (await depositTo(email))().set('content-type', 'text/plain').send('100').expect(415);
    expect(await h.prisma.eventStream.count({ where: { streamId: walletStreamId(email) } })).toBe(0);
  });

  it('the same Idempotency-Key deposits once; with another body it is 422, even when the requests race', async () => {
    const { email } = newTraveler();
    const key = `dep-${randomUUID()}`;
    const deposit = await depositTo(email);
    const send = (amount: number) => deposit().set('Idempotency-Key', key).send({ amount: { amount, currency: 'EUR' } });
    const answers = await Promise.all([send(700), send(700), send(700)]);
    expect(answers.map((a) => a.status)).toEqual([201, 201, 201]);
    expect(answers.filter((a) => a.headers['idempotent-replayed'] === 'true')).toHaveLength(2);
    const reused = await send(701).expect(422);
    expect(reused.body.error.code).toBe('idempotency_key_reused');
    expect((await eventsOf(email)).map((e: { type: string }) => short(e.type))).toEqual(['opened', 'deposited']);
    expect((await walletOf(email)).balance.amount).toBe(credit() + 700);
  });
});
