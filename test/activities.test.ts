import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { PrismaPg } from '@prisma/adapter-pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFakePaymentProvider } from '../activities/fake-payment-provider.ts';
import { createActivities } from '../activities/index.ts';
import type { PaymentProvider } from '../activities/payment-provider.ts';
import { PrismaClient } from '../src/db/prisma.ts';
import { type Harness, startHarness } from './support/harness.ts';

// The activities called directly against the real database: what a Temporal retry would do, without waiting for one.
let h: Harness;
let activities: ReturnType<typeof createActivities>;
beforeAll(async () => {
  h = await startHarness({ worker: false });
  activities = createActivities({ prisma: h.prisma });
});
afterAll(async () => {
  await h?.stop();
});

/** A booking row as the API writes it, without starting a saga: the activities are driven by hand here. */
async function bookingRow() {
  const id = `bk_test_${randomUUID()}`;
  await h.prisma.booking.create({ data: { id, travelerName: 'Grace', travelerEmail: 'grace@example.com', request: {} } });
  return id;
}

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApplicationFailure);
  return error as ApplicationFailure;
}

describe('reservation activities', () => {
  it('a retried reserve returns the first result and writes nothing new', async () => {
    const offer = await h.offer('hotel', 5);
    const bookingId = await bookingRow();
    const first = await activities.reserveHotel({ bookingId, offerId: offer.id, quantity: 2 });
    const retry = await activities.reserveHotel({ bookingId, offerId: offer.id, quantity: 2 });

    expect(retry).toEqual(first);
    expect(await h.available(offer.id)).toBe(3);
    expect(await h.prisma.reservation.count({ where: { bookingId } })).toBe(1);
    expect(await h.eventTypes(bookingId)).toEqual(['hotel.reserved']);
  });

  it('a retried compensation releases once', async () => {
    const offer = await h.offer('flight', 5);
    const bookingId = await bookingRow();
    await activities.reserveFlight({ bookingId, offerId: offer.id, quantity: 2 });
    const first = await activities.cancelFlight({ bookingId });
    const retry = await activities.cancelFlight({ bookingId });

    expect(first).toEqual({ kind: 'flight', outcome: 'released', offerId: offer.id, quantity: 2 });
    expect(retry).toEqual(first);
    expect(await h.available(offer.id)).toBe(5);
    expect(await h.eventTypes(bookingId)).toEqual(['flight.reserved', 'flight.released']);
  });

  it('compensating a step that never took effect is a recorded no-op', async () => {
    const bookingId = await bookingRow();
    expect(await activities.cancelCar({ bookingId })).toEqual({ kind: 'car', outcome: 'nothing-to-undo' });
    expect(await h.prisma.sagaStep.count({ where: { bookingId, step: 'cancel-car' } })).toBe(1);
    expect(await h.eventTypes(bookingId)).toEqual([]);
  });

  it('a late attempt of a step that was already compensated takes nothing', async () => {
    const offer = await h.offer('car', 1);
    const bookingId = await bookingRow();
    await activities.cancelCar({ bookingId }); // the saga gave up on the step (e.g. it timed out) and undid it
    const failure = await failureOf(activities.reserveCar({ bookingId, offerId: offer.id, quantity: 1 }));

    expect(failure).toMatchObject({ type: 'StepAlreadyCompensated', nonRetryable: true });
    expect(await h.available(offer.id)).toBe(1);
  });

  it('sold out, unknown offer and wrong kind are non-retryable business failures that write nothing', async () => {
    const soldOut = await h.offer('flight', 1);
    const hotel = await h.offer('hotel', 1);
    const bookingId = await bookingRow();

    expect(await failureOf(activities.reserveFlight({ bookingId, offerId: soldOut.id, quantity: 2 }))).toMatchObject({
      type: 'OfferSoldOut',
      nonRetryable: true,
    });
    expect(await failureOf(activities.reserveFlight({ bookingId, offerId: randomUUID(), quantity: 1 }))).toMatchObject({
      type: 'OfferNotFound',
      nonRetryable: true,
    });
    expect(await failureOf(activities.reserveFlight({ bookingId, offerId: hotel.id, quantity: 1 }))).toMatchObject({
      type: 'OfferKindMismatch',
      nonRetryable: true,
    });
    expect(await h.available(soldOut.id)).toBe(1);
    expect(await h.prisma.sagaStep.count({ where: { bookingId } })).toBe(0);
    expect(await h.eventTypes(bookingId)).toEqual([]);
  });

  it('a database that cannot be reached is a plain error, which Temporal retries', async () => {
    const unreachable = new PrismaClient({ adapter: new PrismaPg({ connectionString: 'postgresql://root@127.0.0.1:1/none' }) });
    const error = await createActivities({ prisma: unreachable })
      .reserveFlight({ bookingId: 'bk_x', offerId: randomUUID(), quantity: 1 })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(ApplicationFailure);
    await unreachable.$disconnect();
  });

  it('moving a settled booking backwards is refused', async () => {
    const bookingId = await bookingRow();
    await activities.recordBookingOutcome({ bookingId, status: 'COMPENSATED', reason: 'test' });
    expect(await failureOf(activities.recordBookingOutcome({ bookingId, status: 'CONFIRMED' }))).toMatchObject({
      type: 'InvalidStatusTransition',
      nonRetryable: true,
    });
  });
});

describe('payment activities', () => {
  /** A booking holding a flight (2 × 100.00) and a hotel (1 × 150.00): a trip worth 350.00 EUR. */
  async function reservedTrip(acts: ReturnType<typeof createActivities>) {
    const bookingId = await bookingRow();
    await acts.reserveFlight({ bookingId, offerId: (await h.offer('flight', 5, 'Flight', 10_000)).id, quantity: 2 });
    await acts.reserveHotel({ bookingId, offerId: (await h.offer('hotel', 5, 'Hotel', 15_000)).id, quantity: 1 });
    return bookingId;
  }

  it("a charge takes the trip's total once; a retry returns the first result without asking the provider again", async () => {
    const provider = createFakePaymentProvider();
    const acts = createActivities({ prisma: h.prisma, payments: provider });
    const bookingId = await reservedTrip(acts);

    const first = await acts.chargePayment({ bookingId });
    const retry = await acts.chargePayment({ bookingId });

    expect(retry).toEqual(first);
    expect(first).toMatchObject({ amount: 35_000, currency: 'EUR' });
    expect(provider.ledger()).toMatchObject({ chargeRequests: 1, charges: [{ amount: 35_000, outcome: 'charged', reference: `${bookingId}:charge-payment` }] });
    expect(await h.prisma.payment.findUniqueOrThrow({ where: { bookingId } })).toMatchObject({ status: 'CHARGED', amount: 35_000 });
    expect(await h.eventTypes(bookingId)).toEqual(['flight.reserved', 'hotel.reserved', 'payment.charged']);
  });

  it('a declined charge is a non-retryable PaymentDeclined that writes nothing', async () => {
    const acts = createActivities({ prisma: h.prisma, payments: createFakePaymentProvider({ declineAbove: 30_000 }) });
    const bookingId = await reservedTrip(acts);

    const failure = await failureOf(acts.chargePayment({ bookingId }));
    expect(failure).toMatchObject({ type: 'PaymentDeclined', nonRetryable: true });
    expect(failure.message).toMatch(/^350\.00 EUR declined: insufficient_funds/);
    expect(await h.prisma.payment.count({ where: { bookingId } })).toBe(0);
    expect(await h.prisma.sagaStep.count({ where: { bookingId, step: 'charge-payment' } })).toBe(0);
    expect(await h.eventTypes(bookingId)).toEqual(['flight.reserved', 'hotel.reserved']);
  });

  it('a refund pays the charge back once', async () => {
    const provider = createFakePaymentProvider();
    const acts = createActivities({ prisma: h.prisma, payments: provider });
    const bookingId = await reservedTrip(acts);
    const charge = await acts.chargePayment({ bookingId });

    const first = await acts.refundPayment({ bookingId });
    const retry = await acts.refundPayment({ bookingId });

    expect(retry).toEqual(first);
    expect(first).toMatchObject({ outcome: 'refunded', paymentId: charge.paymentId, amount: 35_000 });
    expect(provider.ledger().refunds).toMatchObject([{ chargeId: charge.providerChargeId, amount: 35_000 }]);
    expect(await h.prisma.payment.findUniqueOrThrow({ where: { bookingId } })).toMatchObject({ status: 'REFUNDED' });
    expect(await h.eventTypes(bookingId)).toEqual(['flight.reserved', 'hotel.reserved', 'payment.charged', 'payment.refunded']);
  });

  it('refunding a charge that never happened is a recorded no-op, and a late charge after it is refused before the provider', async () => {
    const provider = createFakePaymentProvider();
    const acts = createActivities({ prisma: h.prisma, payments: provider });
    const bookingId = await reservedTrip(acts);

    expect(await acts.refundPayment({ bookingId })).toEqual({ outcome: 'nothing-to-undo' });
    expect(await h.prisma.sagaStep.count({ where: { bookingId, step: 'refund-payment' } })).toBe(1);
    expect(await failureOf(acts.chargePayment({ bookingId }))).toMatchObject({ type: 'StepAlreadyCompensated', nonRetryable: true });
    expect(provider.ledger().chargeRequests).toBe(0);
  });

  it('a charge the provider took but whose transaction was lost is found by its reference and refunded', async () => {
    const provider = createFakePaymentProvider();
    // The provider answers, then the connection drops before our transaction commits: money moved, nothing recorded.
    const lossy: PaymentProvider = {
      ...provider,
      async charge(request) {
        await provider.charge(request);
        throw new Error('ECONNRESET: connection lost after the provider answered');
      },
    };
    const acts = createActivities({ prisma: h.prisma, payments: lossy });
    const bookingId = await reservedTrip(acts);
    const error = await acts.chargePayment({ bookingId }).catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(ApplicationFailure); // retryable; here the saga gives up and compensates instead
    expect(await h.prisma.payment.count({ where: { bookingId } })).toBe(0);

    const refund = await acts.refundPayment({ bookingId });

    expect(refund).toMatchObject({ outcome: 'refunded', amount: 35_000 });
    expect(provider.ledger().refunds).toHaveLength(1);
    expect(await h.eventTypes(bookingId)).toEqual(['flight.reserved', 'hotel.reserved', 'payment.charged', 'payment.refunded']);
  });
});
