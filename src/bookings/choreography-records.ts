import type { Prisma, Tx } from '../db/prisma.ts';

/**
 * What a choreographed service remembers about a booking beyond its own rows, kept beside the saga's step records
 * (saga_steps, keyed `<booking>:<what>`), written in the transaction of the event that taught it.
 *
 * `closed-<step>`: the step must not run any more (a cancel was heard before its turn came, or the overseer timed it
 * out); when its turn comes, it refuses with the recorded reason instead.
 * `choreography-cause`: why the booking is being undone, as the booking service first heard it (a refusal or a cancel).
 */
export interface StepRefusal extends Prisma.InputJsonObject {
  errorType: string;
  reason: string;
}

export interface UnwindCause extends Prisma.InputJsonObject {
  status: 'COMPENSATED' | 'CANCELLED';
  reason: string;
}

const closedKey = (bookingId: string, step: string) => `${bookingId}:closed-${step}`;
const causeKey = (bookingId: string) => `${bookingId}:choreography-cause`;

/** The first record wins: a second cancel, or a time-out after a cancel, changes nothing. */
async function remember(tx: Tx, bookingId: string, key: string, step: string, result: Prisma.InputJsonObject) {
  await tx.sagaStep.createMany({ data: [{ idempotencyKey: key, bookingId, step, result }], skipDuplicates: true });
}

async function recall<T>(tx: Tx, key: string): Promise<T | undefined> {
  const row = await tx.sagaStep.findUnique({ where: { idempotencyKey: key }, select: { result: true } });
  return row?.result as T | undefined;
}

export const closeStep = (tx: Tx, bookingId: string, step: string, refusal: StepRefusal) =>
  remember(tx, bookingId, closedKey(bookingId, step), `closed-${step}`, refusal);

export const closedStep = (tx: Tx, bookingId: string, step: string) => recall<StepRefusal>(tx, closedKey(bookingId, step));

export const rememberCause = (tx: Tx, bookingId: string, cause: UnwindCause) => remember(tx, bookingId, causeKey(bookingId), 'choreography-cause', cause);

export const unwindCause = (tx: Tx, bookingId: string) => recall<UnwindCause>(tx, causeKey(bookingId));

const cancelKey = (bookingId: string) => `${bookingId}:cancel-requested`;

/** The API's own record of a cancel it accepted: a second request is refused, as the saga's update refuses one. */
export async function recordCancelRequest(tx: Tx, bookingId: string, reason: string): Promise<'recorded' | 'already-cancelling' | 'already-unwinding'> {
  const cancel = await recall(tx, cancelKey(bookingId));
  const cause = await unwindCause(tx, bookingId);
  if (cancel) return 'already-cancelling';
  if (cause) return 'already-unwinding';
  await remember(tx, bookingId, cancelKey(bookingId), 'cancel-requested', { reason });
  return 'recorded';
}
