import type { AggregateDefinition } from '../event-store/types.ts';
import type { Money } from './decide.ts';
import { type WalletEvent, walletEventCodec } from './wallet-events.ts';
import { evolve, unopenedWallet, type WalletState, walletStateSchema, walletStateVersion } from './wallet-state.ts';

export interface WalletSettings {
  /** What a new traveler's wallet opens with (WALLET_OPENING_CREDIT, minor units, EUR). */
  openingCredit: Money;
  /** A snapshot every this many events (WALLET_SNAPSHOT_EVERY). */
  snapshotEvery: number;
}

/** 10 000.00 EUR, the limit the fake payment provider had: a trip over it is still declined for a new traveler. */
export const defaultWalletSettings: WalletSettings = { openingCredit: { amount: 1_000_000, currency: 'EUR' }, snapshotEvery: 50 };

/** The wallet's identity: one per traveler, whatever the case of the address. */
export function travelerKey(email: string): string {
  return email.trim().toLowerCase();
}

export function walletStreamId(email: string): string {
  return `wallet-${travelerKey(email)}`;
}

export const walletStreamType = 'wallet';

export function walletAggregate({ snapshotEvery }: Pick<WalletSettings, 'snapshotEvery'>): AggregateDefinition<WalletState, WalletEvent> {
  return {
    streamType: walletStreamType,
    initialState: unopenedWallet,
    evolve,
    codec: walletEventCodec,
    snapshot: { stateVersion: walletStateVersion, schema: walletStateSchema, every: snapshotEvery },
  };
}
