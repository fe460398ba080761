import { z } from 'zod';
import { amount, bookingId, currency } from './common.ts';

/**
 * The traveler's wallet: an event-sourced aggregate (src/wallet). These events are its stream in the event store, and
 * each is also announced through the outbox with the wallet's stream id as the subject (the unit of ordering).
 */

const traveler = z.string().min(1).describe("the traveler's email, lower-cased: the wallet's identity");

/** The first event of every wallet, with the credit a new traveler starts with. */
export const walletOpenedV1 = z.object({
  traveler,
  currency,
  openingCredit: amount.describe('minor units the wallet starts with (WALLET_OPENING_CREDIT)'),
});

/** Money paid into the wallet (the deposit API). */
export const walletDepositedV1 = z.object({
  traveler,
  amount: amount.describe('minor units paid in, above 0'),
  currency,
});

/**
 * v2 carries the Idempotency-Key the deposit came with, so a statement (or an auditor) can match a deposit to the
 * request that made it. Deposits written before v2 are read with `idempotencyKey: null`: their key, if any, was kept
 * only in wallet_deposit_requests.
 */
export const walletDepositedV2 = walletDepositedV1.extend({
  idempotencyKey: z.string().nullable().describe('the Idempotency-Key of the deposit request; null when none was sent'),
});

export function upcastWalletDepositedV1(v1: z.output<typeof walletDepositedV1>): z.input<typeof walletDepositedV2> {
  return { ...v1, idempotencyKey: null };
}

/** A trip's total taken from the wallet by the saga's payment step. The booking id is the charge's identity. */
export const walletChargedV1 = z.object({
  traveler,
  bookingId,
  amount: amount.describe("the trip's total, in minor units"),
  currency,
});

/** A trip's charge given back in full (the saga's compensation). At most one per charge. */
export const walletRefundedV1 = z.object({
  traveler,
  bookingId,
  amount: amount.describe('the amount given back, in minor units: the whole charge'),
  currency,
});
