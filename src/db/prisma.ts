import { PrismaClient, Prisma } from '../generated/prisma/client.ts';

export { PrismaClient, Prisma };
export type Db = PrismaClient;
export type Tx = Prisma.TransactionClient;

/** Every write path uses the same transaction bounds: short transactions, a clear error instead of a long wait. */
export const transactionOptions = { maxWait: 5_000, timeout: 10_000 } as const;

export function isUniqueViolation(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002';
}
