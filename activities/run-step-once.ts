import type { Db, Prisma, Tx } from '../src/db/prisma.ts';
import { transactionOptions } from '../src/db/prisma.ts';
import { businessFailure } from './errors.ts';

/** `bk_1:reserve-hotel`: the workflow id (= booking id) and the step name make a retry-stable key. */
export function stepKey(bookingId: string, step: string): string {
  return `${bookingId}:${step}`;
}

/**
 * Runs one saga step in one transaction, at most once per booking and step.
 * The booking row is locked first, so a step and its compensation (or two attempts of the same step, one of them
 * abandoned by a worker that lost its lease) never interleave. A retry finds the stored result and writes nothing.
 */
export async function runStepOnce<T extends Prisma.InputJsonObject>(
  prisma: Db,
  bookingId: string,
  step: string,
  body: (tx: Tx) => Promise<T>,
): Promise<T> {
  return prisma.$transaction(async (tx) => {
    await lockBooking(tx, bookingId);
    const key = stepKey(bookingId, step);
    const done = await tx.sagaStep.findUnique({ where: { idempotencyKey: key } });
    if (done) return done.result as T;
    const result = await body(tx);
    await tx.sagaStep.create({ data: { idempotencyKey: key, bookingId, step, result } });
    return result;
  }, transactionOptions);
}

export async function hasStepRun(tx: Tx, bookingId: string, step: string): Promise<boolean> {
  const row = await tx.sagaStep.findUnique({ where: { idempotencyKey: stepKey(bookingId, step) }, select: { step: true } });
  return row !== null;
}

async function lockBooking(tx: Tx, bookingId: string): Promise<void> {
  const rows = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM bookings WHERE id = ${bookingId} FOR UPDATE`;
  if (rows.length === 0) throw businessFailure('BookingNotFound', `Booking ${bookingId} does not exist`, { bookingId });
}
