import type { PaymentMethod } from '../../activities/payment-method.ts';
import { loadAggregate } from '../event-store/load-aggregate.ts';
import { executeWalletCommand, WalletRejected } from './wallet-commands.ts';
import { walletAggregate, walletStreamId } from './wallet-stream.ts';
import type { WalletSettings } from './wallet-settings.ts';

/**
 * The traveler's wallet as the saga's payment method: `wallet.charged` and `wallet.refunded` are appended in the
 * step's own transaction, so the charge, the step's idempotency record, the payment row and the outbox events commit
 * together. The booking id is the charge's identity: the decider turns a repeated charge or refund into no event.
 */
export function walletPaymentMethod(settings: WalletSettings, now: () => Date = () => new Date()): PaymentMethod {
  const chargeIdOf = (email: string, bookingId: string) => `${walletStreamId(email)}:charge:${bookingId}`;
  return {
    async charge(tx, { bookingId, email, amount, currency, reference }) {
      try {
        await executeWalletCommand(tx, settings, email, { type: 'Charge', bookingId, amount: { amount, currency } }, {
          metadata: { bookingId, reference },
          recordedAt: now(),
        });
      } catch (error) {
        if (!(error instanceof WalletRejected)) throw error;
        const code = error.rejection.rejected.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
        return { outcome: 'declined', code, message: error.rejection.message };
      }
      return { outcome: 'charged', chargeId: chargeIdOf(email, bookingId) };
    },
    async findCharge(tx, _reference, { bookingId, email }) {
      const { state } = await loadAggregate(tx, walletAggregate(settings), walletStreamId(email));
      const charge = state.charges[bookingId];
      if (!charge || charge.refunded || !state.currency) return undefined;
      return { chargeId: chargeIdOf(email, bookingId), amount: charge.amount, currency: state.currency };
    },
    async refund(tx, { bookingId, email, reference }) {
      await executeWalletCommand(tx, settings, email, { type: 'Refund', bookingId }, { metadata: { bookingId, reference }, recordedAt: now() });
      return { refundId: `${walletStreamId(email)}:refund:${bookingId}` };
    },
  };
}
