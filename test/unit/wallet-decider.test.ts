import { describe, expect, it } from 'vitest';
import { decide, decideOpeningIfNeeded, maxWalletBalance, type WalletCommand } from '../../src/wallet/decide.ts';
import { type WalletEvent, WalletEvents } from '../../src/wallet/wallet-events.ts';
import { evolve, unopenedWallet } from '../../src/wallet/wallet-state.ts';
import { deciderSpec } from '../support/decider-spec.ts';

/** Unit tests: the wallet's rules as pure functions, no database, no server. */
const spec = deciderSpec({ decide, evolve, initialState: unopenedWallet });
const ada = 'ada@example.com';
const eur = (amount: number) => ({ amount, currency: 'EUR' });

const opened = (credit = 0): WalletEvent => ({ type: WalletEvents.opened, data: { traveler: ada, currency: 'EUR', openingCredit: credit } });
const deposited = (amount: number, idempotencyKey: string | null = null): WalletEvent => ({
  type: WalletEvents.deposited,
  data: { traveler: ada, amount, currency: 'EUR', idempotencyKey },
});
const charged = (bookingId: string, amount: number): WalletEvent => ({ type: WalletEvents.charged, data: { traveler: ada, bookingId, amount, currency: 'EUR' } });
const refunded = (bookingId: string, amount: number): WalletEvent => ({ type: WalletEvents.refunded, data: { traveler: ada, bookingId, amount, currency: 'EUR' } });
const openAda = (credit = 0): Extract<WalletCommand, { type: 'OpenWallet' }> => ({ type: 'OpenWallet', traveler: ada, openingCredit: eur(credit) });

describe('wallet decider (unit): given events, when a command, then events or a rejection', () => {
  it('the textbook fold: opened 0 -> deposited 100 -> charged 30 -> deposited 50 = balance 120', () => {
    const state = [opened(0), deposited(10_000), charged('bk_1', 3_000), deposited(5_000)].reduce(evolve, unopenedWallet());
    expect(state).toMatchObject({ status: 'open', balance: 12_000, charges: { bk_1: { amount: 3_000, refunded: false } } });
  });

  describe('OpenWallet', () => {
    it('opens an unopened wallet with its credit', () => spec.given([]).when(openAda(1_000_000)).then([opened(1_000_000)]));
    it('refuses to open twice', () => spec.given([opened()]).when(openAda()).thenRejects('WalletAlreadyOpen'));
    it('refuses a negative or fractional credit', () => {
      spec.given([]).when(openAda(-1)).thenRejects('InvalidAmount');
      spec.given([]).when(openAda(0.5)).thenRejects('InvalidAmount');
      spec.given([]).when(openAda(maxWalletBalance + 1)).thenRejects('InvalidAmount');
    });
  });

  describe('Deposit', () => {
    it('deposits into an open wallet', () => spec.given([opened()]).when({ type: 'Deposit', amount: eur(500) }).then([deposited(500)]));
    it('records the Idempotency-Key the deposit came with', () =>
      spec.given([opened()]).when({ type: 'Deposit', amount: eur(500), idempotencyKey: 'top-up-1' }).then([deposited(500, 'top-up-1')]));
    it('refuses an unopened wallet', () => spec.given([]).when({ type: 'Deposit', amount: eur(500) }).thenRejects('WalletNotOpen'));
    it('refuses 0, negative and fractional amounts', () => {
      for (const amount of [0, -5, 1.5]) spec.given([opened()]).when({ type: 'Deposit', amount: eur(amount) }).thenRejects('InvalidAmount');
    });
    it('refuses another currency', () =>
      spec.given([opened()]).when({ type: 'Deposit', amount: { amount: 100, currency: 'USD' } }).thenRejects('CurrencyMismatch', { walletCurrency: 'EUR' }));
    it('refuses a deposit that would take the balance over the limit', () =>
      spec.given([opened(maxWalletBalance - 10)]).when({ type: 'Deposit', amount: eur(11) }).thenRejects('BalanceLimitExceeded'));
  });

  describe('Charge', () => {
    const charge = (bookingId: string, amount: number): WalletCommand => ({ type: 'Charge', bookingId, amount: eur(amount) });
    it('charges a trip the balance covers, to the last cent', () => spec.given([opened(7_000)]).when(charge('bk_1', 7_000)).then([charged('bk_1', 7_000)]));
    it('declines a trip over the balance, with the facts', () =>
      spec.given([opened(7_000)]).when(charge('bk_1', 7_001)).thenRejects('InsufficientFunds', { balance: 7_000, amount: 7_001 }));
    it('a retried charge of the same booking appends nothing (the booking id is the identity)', () =>
      spec.given([opened(7_000), charged('bk_1', 3_000)]).when(charge('bk_1', 3_000)).thenNothing());
    it('refuses to charge again a booking that was refunded', () =>
      spec.given([opened(7_000), charged('bk_1', 3_000), refunded('bk_1', 3_000)]).when(charge('bk_1', 3_000)).thenRejects('ChargeAlreadyRefunded'));
    it('charges a free trip 0 (and records it)', () => spec.given([opened(0)]).when(charge('bk_1', 0)).then([charged('bk_1', 0)]));
    it('refuses an unopened wallet and another currency', () => {
      spec.given([]).when(charge('bk_1', 100)).thenRejects('WalletNotOpen');
      spec.given([opened(500)]).when({ type: 'Charge', bookingId: 'bk_1', amount: { amount: 100, currency: 'GBP' } }).thenRejects('CurrencyMismatch');
    });
    it('money given back by a refund pays for the next trip', () =>
      spec.given([opened(5_000), charged('bk_1', 5_000), refunded('bk_1', 5_000)]).when(charge('bk_2', 5_000)).then([charged('bk_2', 5_000)]));
  });

  describe('Refund', () => {
    it('refunds an open charge in full', () => spec.given([opened(9_000), charged('bk_1', 4_000)]).when({ type: 'Refund', bookingId: 'bk_1' }).then([refunded('bk_1', 4_000)]));
    it('refunds once: a second refund appends nothing', () =>
      spec.given([opened(9_000), charged('bk_1', 4_000), refunded('bk_1', 4_000)]).when({ type: 'Refund', bookingId: 'bk_1' }).thenNothing());
    it('a trip never charged has nothing to refund (also on a wallet never opened)', () => {
      spec.given([opened(9_000)]).when({ type: 'Refund', bookingId: 'bk_1' }).thenNothing();
      spec.given([]).when({ type: 'Refund', bookingId: 'bk_1' }).thenNothing();
    });
  });

  describe('opening on first use', () => {
    it("a new traveler's first charge opens the wallet with its credit in the same decision", () => {
      expect(decideOpeningIfNeeded({ type: 'Charge', bookingId: 'bk_1', amount: eur(300) }, unopenedWallet(), openAda(1_000))).toEqual([
        opened(1_000),
        charged('bk_1', 300),
      ]);
    });
    it('a first charge over the opening credit is declined, and nothing is opened', () => {
      expect(decideOpeningIfNeeded({ type: 'Charge', bookingId: 'bk_1', amount: eur(1_001) }, unopenedWallet(), openAda(1_000))).toMatchObject({
        rejected: 'InsufficientFunds',
      });
    });
    it('a refund never opens a wallet; an open wallet is not opened again', () => {
      expect(decideOpeningIfNeeded({ type: 'Refund', bookingId: 'bk_1' }, unopenedWallet(), openAda(1_000))).toEqual([]);
      const open = [opened(1_000)].reduce(evolve, unopenedWallet());
      expect(decideOpeningIfNeeded({ type: 'Deposit', amount: eur(5) }, open, openAda(1_000))).toEqual([deposited(5)]);
    });
  });
});
