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
