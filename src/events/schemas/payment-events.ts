import { z } from 'zod';
import { amount, bookingId, currency } from './common.ts';

const paymentId = z.string().min(1).describe("tripsaga's id for the trip's payment");

/** The trip's total was charged at the payment provider. */
export const paymentChargedV1 = z.object({
  bookingId,
  paymentId,
  amount: amount.describe("the trip's total: every reservation it held, in minor units"),
  currency,
  providerChargeId: z.string().min(1).describe("the payment provider's id for the charge"),
});

/** The charge was paid back in full: a compensation. */
export const paymentRefundedV1 = z.object({
  bookingId,
  paymentId,
  amount: amount.describe('the amount paid back, in minor units'),
  currency,
  providerRefundId: z.string().min(1).describe("the payment provider's id for the refund"),
});
