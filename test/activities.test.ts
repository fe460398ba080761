import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { PrismaPg } from '@prisma/adapter-pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../activities/index.ts';
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
