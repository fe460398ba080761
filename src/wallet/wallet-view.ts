import { z } from 'zod';
import type { LoadedAggregate } from '../event-store/load-aggregate.ts';
import type { RecordedEvent } from '../event-store/types.ts';
import type { WalletEvent } from './wallet-events.ts';
import type { WalletState } from './wallet-state.ts';

const money = z.object({ amount: z.int().describe('minor units'), currency: z.string().length(3) });

export const walletViewSchema = z.object({
  traveler: z.string().describe('the email, lower-cased: one wallet per traveler'),
  streamId: z.string().describe("the wallet's stream in the event store (also the subject of its events)"),
  balance: money.describe('the fold of every event of the stream, computed when asked'),
  version: z.int().describe('how many events the stream holds: the position of the last one'),
  openCharges: z.array(z.object({ bookingId: z.string(), amount: money })).describe('trips charged and not refunded'),
  loadedFrom: z
    .object({ snapshotAt: z.int().describe('the snapshot the fold started from (0: none)'), eventsFolded: z.int() })
    .describe('how this answer was computed'),
});

export type WalletView = z.infer<typeof walletViewSchema>;

export const walletEventViewSchema = z.object({
  id: z.uuid().describe('the event id, also the CloudEvent id it was announced with'),
  streamPosition: z.int().describe('1, 2, 3... within the wallet'),
  globalPosition: z.string().describe('position across every stream (a 64-bit integer, as a string)'),
  type: z.string(),
  schemaVersion: z.int().describe('the version the data was written in; `data` is shown upcast to the newest'),
  recordedAt: z.iso.datetime(),
  data: z.record(z.string(), z.unknown()),
});

export const walletEventsSchema = z.object({ traveler: z.string(), streamId: z.string(), events: z.array(walletEventViewSchema) });

export function toWalletView(streamId: string, loaded: LoadedAggregate<WalletState>): WalletView {
  const { state } = loaded;
  const currency = state.currency ?? 'EUR';
  return {
    traveler: state.traveler ?? '',
    streamId,
    balance: { amount: state.balance, currency },
    version: loaded.version,
    openCharges: Object.entries(state.charges)
      .filter(([, charge]) => !charge.refunded)
      .map(([bookingId, charge]) => ({ bookingId, amount: { amount: charge.amount, currency } })),
    loadedFrom: { snapshotAt: loaded.fromSnapshotAt, eventsFolded: loaded.eventsFolded },
  };
}

export function toWalletEventView(event: RecordedEvent<WalletEvent>): z.infer<typeof walletEventViewSchema> {
  return {
    id: event.id,
    streamPosition: event.streamPosition,
    globalPosition: event.globalPosition.toString(),
    type: event.type,
    schemaVersion: event.writtenVersion,
    recordedAt: event.recordedAt.toISOString(),
    data: event.data as Record<string, unknown>,
  };
}
