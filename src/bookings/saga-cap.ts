import type { Tx } from '../db/prisma.ts';
import { lockClass } from '../relay/lock-keys.ts';
import { BookingError } from './errors.ts';

/**
 * Refuses a new booking while its traveler already has `cap` sagas running (bookings still PENDING). Counted in the
 * booking's own transaction, under a transaction-scoped advisory lock on the traveler, so two API processes taking
 * the same traveler's bookings at once are serialized and cannot both take the last place; the lock goes with the
 * commit or rollback. Emails are compared without case, as the access rules compare them.
 */
export async function takeSagaPlace(tx: Tx, travelerEmail: string, cap: number): Promise<void> {
  if (cap <= 0) return;
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${lockClass.travelerSagas}::int, hashtext(lower(${travelerEmail})))`;
  const [{ running }] = await tx.$queryRaw<[{ running: number }]>`
    SELECT count(*)::int AS running FROM bookings WHERE status = 'PENDING' AND lower(traveler_email) = lower(${travelerEmail})`;
  if (running >= cap) {
    throw new BookingError(
      'too_many_running_sagas',
      `This traveler already has ${running} bookings in progress (at most ${cap}); try again once one has settled`,
    );
  }
}
