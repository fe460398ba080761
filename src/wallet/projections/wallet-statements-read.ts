import { z } from 'zod';
import type { Db } from '../../db/prisma.ts';
import { travelerKey } from '../wallet-stream.ts';

export const walletStatementSchema = z.object({
  traveler: z.string(),
  lines: z
    .array(
      z.object({
        streamPosition: z.int(),
        kind: z.enum(['opening-credit', 'deposit', 'charge', 'refund']),
        amount: z.object({ amount: z.int().describe('signed minor units: a charge is negative'), currency: z.string() }),
        balanceAfter: z.int(),
        bookingId: z.string().nullable(),
        occurredAt: z.iso.datetime(),
      }),
    )
    .describe('oldest first; built from the events by the wallet-statements consumer, so it trails the wallet by the pipeline lag'),
});

export type WalletStatement = z.infer<typeof walletStatementSchema>;

/** Reads the async projection only (the read model), never the event store. */
export async function readWalletStatement(prisma: Db, email: string): Promise<WalletStatement> {
  const traveler = travelerKey(email);
  const rows = await prisma.walletStatementEntry.findMany({ where: { traveler }, orderBy: { streamPosition: 'asc' }, take: 1_000 });
  return {
    traveler,
    lines: rows.map((row) => ({
      streamPosition: row.streamPosition,
      kind: row.kind as WalletStatement['lines'][number]['kind'],
      amount: { amount: row.amount, currency: row.currency },
      balanceAfter: row.balanceAfter,
      bookingId: row.bookingId,
      occurredAt: row.occurredAt.toISOString(),
    })),
  };
}
