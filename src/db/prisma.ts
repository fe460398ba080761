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

/** Prisma's codes for a database it cannot talk to right now: not reachable, timed out, closed, out of sessions. */
const unavailableCodes = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024', 'P2028', 'P2037']);
/** SQLSTATEs of the same: class 08 (connection exception), the server shutting down or starting, too many clients. */
const unavailableSqlStates = /^(08...|57P01|57P02|57P03|53300)$/;
/** What pg itself throws, without a code, when a session's socket dies under it or no session can be had in time. */
const unavailableMessages = /Connection terminated|connection error and is not queryable|timeout exceeded when trying to connect|ECONNREFUSED|ECONNRESET|terminating connection due to administrator command|the database system is (starting up|shutting down)/i;

/**
 * The database cannot be reached or dropped the session, as opposed to refusing this statement: a condition that
 * passes (a restart, a failover, a cut network), so the caller may try again. Follows `cause` chains and the driver
 * adapter's error, whichever layer reports it.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 5; current = (current as { cause?: unknown }).cause, depth += 1) {
    if (current instanceof Prisma.PrismaClientInitializationError) return true;
    const { code, message, meta } = current as { code?: unknown; message?: unknown; meta?: { driverAdapterError?: { cause?: { kind?: string; originalCode?: string; code?: string } } } };
    if (typeof code === 'string' && (unavailableCodes.has(code) || unavailableSqlStates.test(code))) return true;
    const adapterCause = meta?.driverAdapterError?.cause;
    if (adapterCause && (['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections'].includes(adapterCause.kind ?? '') || unavailableSqlStates.test(adapterCause.originalCode ?? adapterCause.code ?? ''))) return true;
    if (typeof message === 'string' && unavailableMessages.test(message)) return true;
  }
  return false;
}
