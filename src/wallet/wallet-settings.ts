import type { Money } from '../lib/money.ts';

export interface WalletSettings {
  /** What a new traveler's wallet opens with (WALLET_OPENING_CREDIT, minor units, EUR). */
  openingCredit: Money;
  /** A snapshot every this many events (WALLET_SNAPSHOT_EVERY). */
  snapshotEvery: number;
}

/** 10 000.00 EUR: a newcomer can book at once, and a trip over that is declined (the README's walk-through shows both). */
export const defaultWalletSettings: WalletSettings = { openingCredit: { amount: 1_000_000, currency: 'EUR' }, snapshotEvery: 50 };
