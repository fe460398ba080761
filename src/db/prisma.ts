import { PrismaClient, Prisma } from '../generated/prisma/client.ts';

export { PrismaClient, Prisma };
export type Db = PrismaClient;
export type Tx = Prisma.TransactionClient;

/** Every write path uses the same transaction bounds: short transactions, a clear error instead of a long wait. */
export const transactionOptions = { maxWait: 5_000, timeout: 10_000 } as const;

/**
 * A unique violation, from a model query (P2002) or from raw SQL: Prisma reports the latter as P2010 "Raw query
 * failed", with the driver adapter's error kind in `meta`.
 */
export function isUniqueViolation(error: unknown): boolean {
  if (!(error instanceof Prisma.PrismaClientKnownRequestError)) return false;
  if (error.code === 'P2002') return true;
  if (error.code !== 'P2010') return false;
  const cause = (error.meta as { driverAdapterError?: { cause?: { kind?: string; originalCode?: string } } } | undefined)?.driverAdapterError?.cause;
  return cause?.kind === 'UniqueConstraintViolation' || cause?.originalCode === '23505';
}
