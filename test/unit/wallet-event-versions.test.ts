import { describe, expect, it } from 'vitest';
import { decodeEvent, decodeStoredData } from '../../src/events/index.ts';
import { EventType } from '../../src/events/event-types.ts';
import { walletEventCodec } from '../../src/wallet/wallet-events.ts';
import { evolve, unopenedWallet } from '../../src/wallet/wallet-state.ts';
import { recordedWalletV1Events } from '../support/recorded-events.ts';

/** Unit tests: wallet events recorded from the code before wallet.deposited v2, read by today's code. */
const recorded = recordedWalletV1Events();

describe('wallet.deposited v2 (unit), on events recorded before it', () => {
  it('the recording holds every wallet event type, all written as v1', () => {
    expect(recorded.events.map((e) => [e.type, e.dataschema.endsWith(':v1')])).toEqual([
      [EventType.walletOpened, true],
      [EventType.walletDeposited, true],
      [EventType.walletCharged, true],
      [EventType.walletRefunded, true],
    ]);
  });

  it('a published v1 deposit is read as v2, with no idempotency key', () => {
    const deposit = recorded.events.find((e) => e.type === EventType.walletDeposited)!;
    const decoded = decodeEvent(deposit);
    expect(decoded).toMatchObject({ type: EventType.walletDeposited, version: 2, writtenVersion: 1 });
    expect(decoded.data).toEqual({ ...deposit.data, idempotencyKey: null });
  });

  it('a stored v1 deposit is upcast the same way by the event store codec, and the stream folds as it did', () => {
    const events = recorded.events.map((e) => walletEventCodec.decode({ type: e.type, schemaVersion: 1, data: e.data }));
    expect(events[1]!.data).toMatchObject({ amount: 25_000, idempotencyKey: null });
    const state = events.reduce(evolve, unopenedWallet());
    expect(state).toMatchObject({ status: 'open', traveler: 'mary@example.com', balance: 1_000_000 + 25_000 });
    expect(Object.values(state.charges)).toEqual([{ amount: 70_900, refunded: true }]);
  });

  it('a v1 event that does not fit v1 is refused with the reason, not guessed at', () => {
    expect(() => decodeStoredData(EventType.walletDeposited, 1, { traveler: 'mary@example.com', amount: '25000', currency: 'EUR' })).toThrow(
      /does not match its schema v1/,
    );
    expect(() => decodeStoredData(EventType.walletDeposited, 3, {})).toThrow(/has no v3/);
  });

  it('new deposits are written as v2', () => {
    const encoded = walletEventCodec.encode({
      type: EventType.walletDeposited,
      data: { traveler: 'mary@example.com', amount: 1, currency: 'EUR', idempotencyKey: 'k' },
    });
    expect(encoded).toMatchObject({ schemaVersion: 2, data: { idempotencyKey: 'k' } });
  });
});
