import type { Tx } from '../src/db/prisma.ts';
import type { ChargeRequest, ChargeResult, FoundCharge, PaymentProvider, RefundRequest } from './payment-provider.ts';

/** Who pays and for which booking, besides what a provider is told. */
export interface Payer {
  bookingId: string;
  /** The traveler's email, as the booking holds it. */
  email: string;
}

/**
 * How the payment step moves money: inside the step's transaction, with the booking row locked. The default is the
 * traveler's wallet (src/wallet), whose events are appended in that very transaction; a payment service provider
 * (a boundary we do not own) is the other kind, adapted by providerPaymentMethod.
 */
export interface PaymentMethod {
  charge(tx: Tx, request: ChargeRequest & Payer): Promise<ChargeResult>;
  /** The charge made under a reference, if the method holds one that our own record lacks. */
  findCharge(tx: Tx, reference: string, payer: Payer): Promise<FoundCharge | undefined>;
  refund(tx: Tx, request: RefundRequest & Payer): Promise<{ refundId: string }>;
}

/** A PSP as a payment method: it never sees our transaction (its own ledger is the one that counts). */
export function providerPaymentMethod(provider: PaymentProvider): PaymentMethod {
  return {
    charge: (_tx, { reference, amount, currency, description }) => provider.charge({ reference, amount, currency, description }),
    findCharge: (_tx, reference) => provider.findCharge(reference),
    refund: (_tx, { reference, chargeId, amount, currency }) => provider.refund({ reference, chargeId, amount, currency }),
  };
}
