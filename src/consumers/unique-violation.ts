import { isUniqueViolation, Prisma } from '../db/prisma.ts';

/**
 * A unique violation from a model query (P2002) or from raw SQL: Prisma reports the latter as P2010 "Raw query
 * failed" with the driver adapter's error kind in `meta`, which the shared isUniqueViolation does not recognise.
 */
export function isUniqueViolationAnywhere(error: unknown): boolean {
  if (isUniqueViolation(error)) return true;
  if (!(error instanceof Prisma.PrismaClientKnownRequestError) || error.code !== 'P2010') return false;
  const cause = (error.meta as { driverAdapterError?: { cause?: { kind?: string; originalCode?: string } } } | undefined)?.driverAdapterError?.cause;
  return cause?.kind === 'UniqueConstraintViolation' || cause?.originalCode === '23505';
}
