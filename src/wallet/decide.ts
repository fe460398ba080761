import { formatMoney, type Money } from '../lib/money.ts';
import { type WalletEvent, WalletEvents } from './wallet-events.ts';
import { evolve, type WalletState } from './wallet-state.ts';


export type WalletCommand =
  | { type: 'OpenWallet'; traveler: string; openingCredit: Money }
  | { type: 'Deposit'; amount: Money; idempotencyKey?: string }
  | { type: 'Charge'; bookingId: string; amount: Money }
  | { type: 'Refund'; bookingId: string };

export type WalletRejectionReason =
  | 'WalletNotOpen'
  | 'WalletAlreadyOpen'
  | 'InvalidAmount'
  | 'CurrencyMismatch'
  | 'InsufficientFunds'
  | 'BalanceLimitExceeded'
  | 'ChargeAlreadyRefunded';

/** 10 000 000.00 in minor units: a wallet holds at most this (and so every amount fits a 32-bit column). */
export const maxWalletBalance = 1_000_000_000;

/** The wallet said no: a business answer, with the facts it was decided on. */
export interface WalletRejection {
  rejected: WalletRejectionReason;
  message: string;
  details: Record<string, unknown>;
}

export type WalletDecision = readonly WalletEvent[] | WalletRejection;

export function isRejection(decision: WalletDecision): decision is WalletRejection {
  return !Array.isArray(decision);
}

const reject = (rejected: WalletRejectionReason, message: string, details: Record<string, unknown> = {}): WalletRejection => ({
  rejected,
  message,
  details,
});


/**
 * Pure: what a command does to a wallet in this state: the events to append, none (already done: a retry), or a
 * rejection. Every rule of the wallet is here; the store only keeps what this returns.
 */
export function decide(command: WalletCommand, state: WalletState): WalletDecision {
  if (command.type === 'OpenWallet') {
    if (state.status === 'open') return reject('WalletAlreadyOpen', `the wallet of ${state.traveler} is already open`);
    if (!Number.isInteger(command.openingCredit.amount) || command.openingCredit.amount < 0 || command.openingCredit.amount > maxWalletBalance) {
      return reject('InvalidAmount', `an opening credit is a whole number of minor units, from 0 to ${maxWalletBalance}`, { amount: command.openingCredit.amount });
    }
    return [
      {
        type: WalletEvents.opened,
        data: { traveler: command.traveler, currency: command.openingCredit.currency, openingCredit: command.openingCredit.amount },
      },
    ];
  }
  if (state.status !== 'open' || state.traveler === null || state.currency === null) {
    // Nothing was ever charged to a wallet that was never opened: there is nothing to give back.
    if (command.type === 'Refund') return [];
    return reject('WalletNotOpen', 'the wallet is not open');
  }
  const { traveler, currency } = state;

  switch (command.type) {
    case 'Deposit': {
      const invalid = invalidAmount(command.amount, currency);
      if (invalid) return invalid;
      if (state.balance + command.amount.amount > maxWalletBalance) {
        return reject('BalanceLimitExceeded', `a wallet holds at most ${formatMoney({ amount: maxWalletBalance, currency })}`, {
          balance: state.balance,
          amount: command.amount.amount,
        });
      }
      return [{ type: WalletEvents.deposited, data: { traveler, amount: command.amount.amount, currency, idempotencyKey: command.idempotencyKey ?? null } }];
    }
    case 'Charge': {
      const earlier = state.charges[command.bookingId];
      if (earlier?.refunded) {
        return reject('ChargeAlreadyRefunded', `booking ${command.bookingId} was charged and refunded already`, { bookingId: command.bookingId });
      }
      if (earlier) return []; // the booking id is the charge's identity: charged once, whatever the retries
      const invalid = invalidAmount(command.amount, currency, 0); // a trip priced at 0 is charged 0, and recorded
      if (invalid) return invalid;
      if (command.amount.amount > state.balance) {
        return reject('InsufficientFunds', `${formatMoney(command.amount)} is more than the balance of ${formatMoney({ amount: state.balance, currency })}`, {
          balance: state.balance,
          amount: command.amount.amount,
          currency,
        });
      }
      return [{ type: WalletEvents.charged, data: { traveler, bookingId: command.bookingId, amount: command.amount.amount, currency } }];
    }
    case 'Refund': {
      const charge = state.charges[command.bookingId];
      if (!charge || charge.refunded) return []; // nothing to undo, or undone already
      return [{ type: WalletEvents.refunded, data: { traveler, bookingId: command.bookingId, amount: charge.amount, currency } }];
    }
  }
}

function invalidAmount(amount: Money, walletCurrency: string, minimum = 1): WalletRejection | undefined {
  if (!Number.isInteger(amount.amount) || amount.amount < minimum) {
    return reject('InvalidAmount', `an amount is a whole number of minor units, at least ${minimum}`, { amount: amount.amount });
  }
  if (amount.currency !== walletCurrency) {
    return reject('CurrencyMismatch', `the wallet holds ${walletCurrency}, not ${amount.currency}`, { currency: amount.currency, walletCurrency });
  }
  return undefined;
}

/**
 * A deposit or a charge is the first thing a new traveler does with the wallet: it opens, with its opening credit,
 * in the same append. Pure like decide (it is decide, twice).
 */
export function decideOpeningIfNeeded(command: WalletCommand, state: WalletState, opening: Extract<WalletCommand, { type: 'OpenWallet' }>): WalletDecision {
  if (state.status === 'open' || command.type === 'OpenWallet' || command.type === 'Refund') return decide(command, state);
  const opened = decide(opening, state);
  if (isRejection(opened)) return opened;
  const then = decide(command, opened.reduce(evolve, state));
  return isRejection(then) ? then : [...opened, ...then];
}
