import { type Db, transactionOptions } from '../../db/prisma.ts';
import { readStream } from '../../event-store/read-stream.ts';
import { walletEventCodec } from '../wallet-events.ts';
import { evolve, unopenedWallet } from '../wallet-state.ts';
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
export async function rebuildWalletProjections(prisma: Db, { log = () => {} }: { log?: (line: string) => void } = {}) {
  return prisma.$transaction(
    async (tx) => {
      await tx.$executeRaw`LOCK TABLE wallet_summaries, wallet_statement_entries IN EXCLUSIVE MODE`;
      await tx.$executeRaw`DELETE FROM wallet_statement_entries`;
      await tx.$executeRaw`DELETE FROM wallet_summaries`;
      const streams = await tx.eventStream.findMany({ where: { streamType: walletStreamType }, select: { streamId: true }, orderBy: { streamId: 'asc' } });
      let events = 0;
      for (const { streamId } of streams) {
        const stream = await readStream(tx, streamId, walletEventCodec);
        let state = unopenedWallet();
        const rows: StatementRow[] = [];
        for (const event of stream) {
          const before = state.balance;
          state = evolve(state, event);
          rows.push({ ...statementLine(event, before), streamId, streamPosition: event.streamPosition, traveler: event.data.traveler, eventId: event.id, occurredAt: event.recordedAt });
        }
        await insertStatementRows(tx, rows);
        const last = stream.at(-1);
        if (last) await projectWalletSummary(tx, streamId, state, last.streamPosition, last.recordedAt);
        events += stream.length;
      }
      log(`rebuilt ${streams.length} wallet(s) from ${events} event(s)`);
      return { wallets: streams.length, events };
    },
    { ...transactionOptions, timeout: 120_000 },
  );
}
