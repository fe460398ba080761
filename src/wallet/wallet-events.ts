import { decodeStoredData, eventCatalog } from '../events/index.ts';
import type { DecodedData } from '../events/catalog.ts';
import type { EventCodec } from '../event-store/types.ts';
import { EventType, type WalletEventType, walletEventTypes } from '../events/event-types.ts';

/** One event of a wallet's stream, its data in the newest version (src/events/schemas/wallet-events.ts). */
export type WalletEvent = { [T in WalletEventType]: { type: T; data: DecodedData<T> } }[WalletEventType];

export type WalletEventOf<T extends WalletEventType> = Extract<WalletEvent, { type: T }>;

export const WalletEvents = {
  opened: EventType.walletOpened,
  deposited: EventType.walletDeposited,
  charged: EventType.walletCharged,
  refunded: EventType.walletRefunded,
} as const;

/**
 * The wallet's events in the store carry the contract's types and versions, so the stream and its announcements
 * are one vocabulary: written in the newest version, read back through the catalog's upcasters whatever version
 * they were written in.
 */
export const walletEventCodec: EventCodec<WalletEvent> = {
  encode(event) {
    const definition = eventCatalog[event.type];
    return { type: event.type, schemaVersion: definition.latestVersion, data: definition.latestSchema.parse(event.data) };
  },
  decode({ type, schemaVersion, data }) {
    if (!(walletEventTypes as readonly string[]).includes(type)) throw new Error(`not a wallet event: ${type}`);
    return { type, data: decodeStoredData(type as WalletEventType, schemaVersion, data) } as WalletEvent;
  },
};
