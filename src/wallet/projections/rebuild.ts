import { type Db, type Tx, transactionOptions } from '../../db/prisma.ts';
import { readStreamsOfType } from '../../event-store/read-stream.ts';
import type { RecordedEvent } from '../../event-store/types.ts';
import type { WalletEvent } from '../wallet-events.ts';
import { walletEventCodec } from '../wallet-events.ts';
import { evolve, unopenedWallet, type WalletState } from '../wallet-state.ts';
import { walletStreamType } from '../wallet-stream.ts';
import { insertStatementRows, type StatementRow, statementLine } from './wallet-statement.ts';
import { projectWalletSummary } from './wallet-summary.ts';

/**
 * Rebuilds both wallet projections (the summaries and the statements) from the event store alone, in one
 * transaction: what `npm run projections:rebuild -- wallet` runs after a projection's code changed or its rows were
 * lost. The projection tables are locked against writers for the duration (appends to a wallet wait at their summary
 * row; the statement consumer waits at its insert) and the events are read as that transaction sees them: an append
 * still in flight commits after the rebuild and then projects itself, as it always does. The consumer's inbox is kept,
 * so events it already applied are not applied again (and its insert of a line the rebuild wrote is a no-op).
 */
export async function rebuildWalletProjections(prisma: Db, { log = () => {}, pageSize = 5_000 }: { log?: (line: string) => void; pageSize?: number } = {}) {
  return prisma.$transaction(
    async (tx) => {
      await tx.$executeRaw`LOCK TABLE wallet_summaries, wallet_statement_entries IN EXCLUSIVE MODE`;
      await tx.$executeRaw`DELETE FROM wallet_statement_entries`;
      await tx.$executeRaw`DELETE FROM wallet_summaries`;
      const fold = new StreamFold(tx);
      let after = { streamId: '', streamPosition: 0 };
      for (;;) {
        const page = await readStreamsOfType(tx, walletStreamType, walletEventCodec, { after, limit: pageSize });
        for (const event of page) await fold.add(event);
        await fold.flushLines();
        const last = page.at(-1);
        if (!last || page.length < pageSize) break;
        after = { streamId: last.streamId, streamPosition: last.streamPosition };
      }
      await fold.finishStream();
      log(`rebuilt ${fold.wallets} wallet(s) from ${fold.events} event(s)`);
      return { wallets: fold.wallets, events: fold.events };
    },
    { ...transactionOptions, timeout: 120_000 },
  );
}

/** Folds the streams as they come, one after another, writing each one's lines and, at its end, its summary. */
class StreamFold {
  wallets = 0;
  events = 0;
  private current?: { streamId: string; state: WalletState; last: RecordedEvent<WalletEvent> };
  private lines: StatementRow[] = [];

  constructor(private readonly tx: Tx) {}

  async add(event: RecordedEvent<WalletEvent>) {
    if (this.current?.streamId !== event.streamId) {
      await this.finishStream();
      this.current = { streamId: event.streamId, state: unopenedWallet(), last: event };
      this.wallets += 1;
    }
    const before = this.current.state.balance;
    this.current.state = evolve(this.current.state, event);
    this.current.last = event;
    this.events += 1;
    this.lines.push({ ...statementLine(event, before), streamId: event.streamId, streamPosition: event.streamPosition, traveler: event.data.traveler, eventId: event.id, occurredAt: event.recordedAt });
  }

  async flushLines() {
    await insertStatementRows(this.tx, this.lines);
    this.lines = [];
  }

  async finishStream() {
    if (!this.current) return;
    await this.flushLines();
    const { streamId, state, last } = this.current;
    await projectWalletSummary(this.tx, streamId, state, last.streamPosition, last.recordedAt);
    this.current = undefined;
  }
}
