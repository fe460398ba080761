import type { Tx } from '../../db/prisma.ts';
import { openCharges, type WalletState } from '../wallet-state.ts';

/**
 * Inline projection: the wallet's summary row, written in the transaction that appends to its stream, from the state
 * that append produced. It holds absolute values (never `balance + x`), so writing it again from the same state, or
 * from a rebuild, gives the same row.
 */
export async function projectWalletSummary(tx: Tx, streamId: string, state: WalletState, version: number, at: Date): Promise<void> {
  if (state.status !== 'open' || state.traveler === null || state.currency === null) return;
  const row = { streamId, balance: state.balance, currency: state.currency, version, openCharges: openCharges(state), updatedAt: at };
  await tx.walletSummary.upsert({ where: { traveler: state.traveler }, create: { traveler: state.traveler, ...row }, update: row });
}
