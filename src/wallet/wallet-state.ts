import { z } from 'zod';
import { type WalletEvent, WalletEvents } from './wallet-events.ts';

/**
 * What the wallet knows, folded from its events and from nothing else. `charges` holds every trip charged to it, by
 * booking id (a traveler books few trips; the snapshot keeps the fold of many events cheap), so a retried charge or
 * refund is recognised as such.
 */
export const walletStateSchema = z.object({
  status: z.enum(['unopened', 'open']),
  traveler: z.string().nullable(),
  currency: z.string().nullable(),
  /** Minor units. */
  balance: z.int(),
  charges: z.record(z.string(), z.object({ amount: z.int(), refunded: z.boolean() })),
});

export type WalletState = z.infer<typeof walletStateSchema>;

/** The shape of WalletState (and of what evolve computes): bump it with any change, and stored snapshots are ignored. */
export const walletStateVersion = 1;

export const unopenedWallet = (): WalletState => ({ status: 'unopened', traveler: null, currency: null, balance: 0, charges: {} });

/** Pure: the state after one more event. Never rejects anything: an event is a fact that already happened. */
export function evolve(state: WalletState, event: WalletEvent): WalletState {
  switch (event.type) {
    case WalletEvents.opened:
      return { status: 'open', traveler: event.data.traveler, currency: event.data.currency, balance: event.data.openingCredit, charges: {} };
    case WalletEvents.deposited:
      return { ...state, balance: state.balance + event.data.amount };
    case WalletEvents.charged:
      return {
        ...state,
        balance: state.balance - event.data.amount,
        charges: { ...state.charges, [event.data.bookingId]: { amount: event.data.amount, refunded: false } },
      };
    case WalletEvents.refunded:
      return {
        ...state,
        balance: state.balance + event.data.amount,
        charges: { ...state.charges, [event.data.bookingId]: { amount: event.data.amount, refunded: true } },
      };
  }
}

export function openCharges(state: WalletState): number {
  return Object.values(state.charges).filter((charge) => !charge.refunded).length;
}
