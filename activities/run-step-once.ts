import type { Db, Prisma, Tx } from '../src/db/prisma.ts';
import { transactionOptions } from '../src/db/prisma.ts';
import { businessFailure } from './errors.ts';

/** `bk_1:reserve-hotel`: the workflow id (= booking id) and the step name make a retry-stable key. */
export function stepKey(bookingId: string, step: string): string {
  return `${bookingId}:${step}`;
}

export interface StepGuard {
  /** A step whose recorded result forbids this one from running, e.g. its compensation. */
  step: string;
  refusal: () => Error;
}

/**
 * Runs one saga step in one transaction, at most once per booking and step.
 * The booking row is locked first, so a step and its compensation (or two attempts of the same step, one of them
 * abandoned by a worker that lost its lease) never interleave. A retry finds the stored result and writes nothing.
 * With a guard, a step that has not run yet is refused once the guard's step has run (looked up in the same query).
 */
export async function runStepOnce<T extends Prisma.InputJsonObject>(
  prisma: Db,
  bookingId: string,
  step: string,
  body: (tx: Tx) => Promise<T>,
  guard?: StepGuard,
): Promise<T> {
  return prisma.$transaction((tx) => runStepOnceIn(tx, bookingId, step, body, guard), transactionOptions);
}

/**
 * The same inside a transaction the caller holds: a choreographed service runs its step in the transaction that also
 * takes the event's inbox place and appends its next event (src/choreography/step-service.ts).
 */
export async function runStepOnceIn<T extends Prisma.InputJsonObject>(
  tx: Tx,
  bookingId: string,
  step: string,
  body: (tx: Tx) => Promise<T>,
  guard?: StepGuard,
): Promise<T> {
  await lockBooking(tx, bookingId);
  const key = stepKey(bookingId, step);
  const keys = guard ? [key, stepKey(bookingId, guard.step)] : [key];
  const recorded = await tx.sagaStep.findMany({ where: { idempotencyKey: { in: keys } }, select: { idempotencyKey: true, result: true } });
  const done = recorded.find((row) => row.idempotencyKey === key);
  if (done) return done.result as T;
  if (guard && recorded.length > 0) throw guard.refusal();
  const result = await body(tx);
  await tx.sagaStep.create({ data: { idempotencyKey: key, bookingId, step, result } });
  return result;
}

export async function lockBooking(tx: Tx, bookingId: string): Promise<void> {
  const rows = await tx.$queryRaw<{ started: boolean }[]>`
    SELECT workflow_started_at IS NOT NULL AS started FROM bookings WHERE id = ${bookingId} FOR UPDATE`;
  if (rows.length === 0) throw businessFailure('BookingNotFound', `Booking ${bookingId} does not exist`, { bookingId });
  // A running step proves the saga started. Whoever started it may have died before recording that (the API killed
  // between its start call and its update), and the saga can end before the saga starter's next scan: record it here.
  if (!rows[0]!.started) await tx.$executeRaw`UPDATE bookings SET workflow_started_at = now() WHERE id = ${bookingId} AND workflow_started_at IS NULL`;
}
