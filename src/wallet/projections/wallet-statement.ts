import type { Tx } from '../../db/prisma.ts';
import type { ConsumedEvent } from '../../consumers/consumed-event.ts';
import type { EventConsumer } from '../../consumers/event-consumer.ts';
import { EventType } from '../../events/event-types.ts';
import { type WalletEvent, WalletEvents } from '../wallet-events.ts';

export interface StatementLine {
  kind: 'opening-credit' | 'deposit' | 'charge' | 'refund';
  /** Signed minor units: what the line does to the balance. */
  amount: number;
  currency: string;
  balanceAfter: number;
  bookingId: string | null;
}

/** One line of the statement: the same fold the live consumer and the rebuild apply, event after event. */
export function statementLine(event: WalletEvent, balanceBefore: number): StatementLine {
  switch (event.type) {
    case WalletEvents.opened:
      return { kind: 'opening-credit', amount: event.data.openingCredit, currency: event.data.currency, balanceAfter: event.data.openingCredit, bookingId: null };
    case WalletEvents.deposited:
      return { kind: 'deposit', amount: event.data.amount, currency: event.data.currency, balanceAfter: balanceBefore + event.data.amount, bookingId: null };
    case WalletEvents.charged:
      return { kind: 'charge', amount: -event.data.amount, currency: event.data.currency, balanceAfter: balanceBefore - event.data.amount, bookingId: event.data.bookingId };
    case WalletEvents.refunded:
      return { kind: 'refund', amount: event.data.amount, currency: event.data.currency, balanceAfter: balanceBefore + event.data.amount, bookingId: event.data.bookingId };
  }
}

export interface StatementRow extends StatementLine {
  streamId: string;
  streamPosition: number;
  traveler: string;
  eventId: string;
  occurredAt: Date;
}

/** Idempotent by (stream, position): the live consumer and a rebuild may both write a line; the first one stays. */
export async function insertStatementRows(tx: Tx, rows: readonly StatementRow[]): Promise<void> {
  if (rows.length === 0) return;
  await tx.walletStatementEntry.createMany({ data: rows.map((row) => ({ ...row })), skipDuplicates: true });
}

type WalletDecodedEvent = ConsumedEvent<(typeof WalletEvents)[keyof typeof WalletEvents]>;

/**
 * The async projection: each traveler's statement, built by a consumer from the wallet's events as the relay
 * publishes them (through the outbox, like every read model). A wallet's events arrive in its stream's order (their
 * subject is the stream id and their sequence its stream position), so each line's balance is the previous line's
 * plus its own amount.
 */
export const walletStatementsConsumer: EventConsumer = {
  name: 'wallet-statements',
  handlers: {
    [EventType.walletOpened]: applyLine,
    [EventType.walletDeposited]: applyLine,
    [EventType.walletCharged]: applyLine,
    [EventType.walletRefunded]: applyLine,
  },
};

async function applyLine(tx: Tx, event: WalletDecodedEvent) {
  const streamId = event.bookingId; // the subject: for a wallet's events, its stream id
  const previous =
    event.sequence === 1 ? undefined : await tx.walletStatementEntry.findUnique({ where: { streamId_streamPosition: { streamId, streamPosition: event.sequence - 1 } } });
  // Events are applied in order, so only a dead-lettered earlier event leaves no line to continue from.
  if (event.sequence > 1 && !previous) throw new Error(`no statement line ${event.sequence - 1} for ${streamId}: an earlier event was not applied`);
  const line = statementLine({ type: event.type, data: event.data } as WalletEvent, previous?.balanceAfter ?? 0);
  await insertStatementRows(tx, [
    { ...line, streamId, streamPosition: event.sequence, traveler: event.data.traveler, eventId: event.id, occurredAt: event.occurredAt },
  ]);
}
