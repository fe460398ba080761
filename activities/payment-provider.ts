/**
 * The payment service provider (PSP): a boundary tripsaga does not own, so the activities receive it as a dependency.
 * This is the seam for a real PSP adapter (Stripe, Adyen, ...): implement these three calls over its API and pass the
 * adapter to `createActivities({ payments })`. Dev and tests use createFakePaymentProvider().
 *
 * Every call carries a `reference` that is stable across retries (`<booking id>:charge-payment`): the PSP's idempotency
 * key, so a retried call never moves money twice, and the merchant reference a charge can be found by later.
 */
export interface PaymentProvider {
  /** Charges once per reference: the same reference again returns the first answer, declines included. */
  charge(request: ChargeRequest): Promise<ChargeResult>;
  /** The successful charge made under a reference, if any: what a refund asks when our own record of it is missing. */
  findCharge(reference: string): Promise<FoundCharge | undefined>;
  /** Refunds a charge in full, once per reference. */
  refund(request: RefundRequest): Promise<{ refundId: string }>;
}

export interface ChargeRequest {
  reference: string;
  /** Minor units (cents). */
  amount: number;
  currency: string;
  description: string;
}

export type ChargeResult =
  | { outcome: 'charged'; chargeId: string }
  /** The PSP's reason code (e.g. `insufficient_funds`) and message: a business answer, not an outage. */
  | { outcome: 'declined'; code: string; message: string };

export interface FoundCharge {
  chargeId: string;
  amount: number;
  currency: string;
}

export interface RefundRequest {
  reference: string;
  chargeId: string;
  amount: number;
  currency: string;
}
