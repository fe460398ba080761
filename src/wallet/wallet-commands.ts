import type { Tx } from '../db/prisma.ts';
import { type Handled, handleCommand } from '../event-store/handle-command.ts';
import type { EventMetadata } from '../event-store/types.ts';
import { type AnyNewOutboxEvent, appendAggregateOutboxEvents } from '../outbox/append-event.ts';
import { decideOpeningIfNeeded, isRejection, type WalletCommand, type WalletRejection } from './decide.ts';
import { projectWalletSummary } from './projections/wallet-summary.ts';
import type { WalletEvent } from './wallet-events.ts';
import type { WalletState } from './wallet-state.ts';
import { travelerKey, walletAggregate, walletStreamId } from './wallet-stream.ts';
import type { WalletSettings } from './wallet-settings.ts';

/** A command the wallet refused: the rejection travels up unchanged, and the transaction rolls back. */
export class WalletRejected extends Error {
  override readonly name = 'WalletRejected';
  constructor(readonly rejection: WalletRejection) {
    super(rejection.message);
  }
}

/**
 * One wallet command inside the caller's transaction: load, decide (opening the wallet first for a new traveler),
 * append with the expected version, then in the same transaction announce every new event through the outbox (the
 * wallet's stream id is the subject) and write the summary row. Throws WalletRejected.
 */
export async function executeWalletCommand(
  tx: Tx,
  settings: WalletSettings,
  email: string,
  command: WalletCommand,
  { metadata, recordedAt }: { metadata?: EventMetadata; recordedAt: Date },
): Promise<Handled<WalletState, WalletEvent> & { streamId: string }> {
  const streamId = walletStreamId(email);
  const opening = { type: 'OpenWallet' as const, traveler: travelerKey(email), openingCredit: settings.openingCredit };
  const handled = await handleCommand(
    tx,
    walletAggregate(settings),
    streamId,
    (state) => {
      const decision = decideOpeningIfNeeded(command, state, opening);
      if (isRejection(decision)) throw new WalletRejected(decision);
      return decision;
    },
    { metadata, recordedAt },
  );
  if (handled.appended.length > 0) {
    await appendAggregateOutboxEvents(
      tx,
      { type: 'wallet', id: streamId },
      // Each event's data is its type's newest version (the codec wrote it so): the pairing TypeScript cannot see.
      handled.appended.map((event) => ({ id: event.id, type: event.type, data: event.data, occurredAt: event.recordedAt }) as Omit<AnyNewOutboxEvent, 'bookingId'>),
    );
    await projectWalletSummary(tx, streamId, handled.state, handled.version, recordedAt);
  }
  return { ...handled, streamId };
}
