import type { AggregateDefinition } from '../event-store/types.ts';
import type { WalletSettings } from './wallet-settings.ts';
import { type WalletEvent, walletEventCodec } from './wallet-events.ts';
import { evolve, unopenedWallet, type WalletState, walletStateSchema, walletStateVersion } from './wallet-state.ts';

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
