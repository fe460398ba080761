import { createHash } from 'node:crypto';
import type { ChargeRequest, ChargeResult, FoundCharge, PaymentProvider, RefundRequest } from './payment-provider.ts';
import { formatMoney } from '../src/lib/money.ts';

/** 10 000.00 in minor units: the fake's card limit. */
export const fakeCardLimit = 1_000_000;

export interface FakePaymentProvider extends PaymentProvider {
  /** What the provider has done so far, for tests to check that money moved exactly once. */
  ledger(): {
    chargeRequests: number;
    charges: (ChargeRequest & ChargeResult)[];
    refunds: (RefundRequest & { refundId: string })[];
  };
}

/**
 * A deterministic stand-in for a PSP, the default in dev and tests: it approves any charge up to `declineAbove` minor
 * units and declines larger ones (`insufficient_funds`, like a card over its limit), answers each reference once (as a
 * PSP honours idempotency keys), and derives ids from references, so the same reference always yields the same id.
 * Its ledger lives in this process's memory; a real PSP is the durable ledger the saga reconciles with.
 */
export function createFakePaymentProvider({ declineAbove = fakeCardLimit }: { declineAbove?: number } = {}): FakePaymentProvider {
  const charges = new Map<string, ChargeRequest & ChargeResult>();
  const refunds = new Map<string, RefundRequest & { refundId: string }>();
  let chargeRequests = 0;

  return {
    async charge(request) {
      chargeRequests += 1;
      const earlier = charges.get(request.reference);
      if (earlier) return resultOf(earlier);
      const result: ChargeResult =
        request.amount > declineAbove
          ? { outcome: 'declined', code: 'insufficient_funds', message: `over the card's limit of ${formatMoney({ amount: declineAbove, currency: request.currency })}` }
          : { outcome: 'charged', chargeId: idFor('ch', request.reference) };
      charges.set(request.reference, { ...request, ...result });
      return result;
    },
    async findCharge(reference): Promise<FoundCharge | undefined> {
      const charge = charges.get(reference);
      return charge?.outcome === 'charged' ? { chargeId: charge.chargeId, amount: charge.amount, currency: charge.currency } : undefined;
    },
    async refund(request) {
      const earlier = refunds.get(request.reference);
      if (earlier) return { refundId: earlier.refundId };
      const refundId = idFor('re', request.reference);
      refunds.set(request.reference, { ...request, refundId });
      return { refundId };
    },
    ledger: () => ({ chargeRequests, charges: [...charges.values()], refunds: [...refunds.values()] }),
  };
}

function resultOf(charge: ChargeRequest & ChargeResult): ChargeResult {
  return charge.outcome === 'charged'
    ? { outcome: 'charged', chargeId: charge.chargeId }
    : { outcome: 'declined', code: charge.code, message: charge.message };
}

function idFor(prefix: string, reference: string): string {
  return `${prefix}_fake_${createHash('sha256').update(reference).digest('hex').slice(0, 24)}`;
}
