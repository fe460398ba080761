import type { RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit, type Store } from 'express-rate-limit';
import { RedisStore } from 'rate-limit-redis';
import { createClient } from 'redis';
import { callerOf } from '../auth/http.ts';
import { sendError } from './http-errors.ts';

export interface WriteLimitOptions {
  /** Writes per caller per window; 0 turns the limit off. */
  limit: number;
  windowSeconds: number;
  /** Counters shared by every API process (Redis); default: this process's memory. */
  store?: Store;
  log?: (line: string) => void;
}

const readMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Limits writes per caller: the token's subject when the token verifies, else the client address (an IPv6 caller by
 * its /56, as express-rate-limit advises, since one host holds many addresses). A store that fails lets requests
 * through and says so in the log: a Redis outage must not take the API down with it.
 */
export function writeRateLimit({ limit, windowSeconds, store, log = () => {} }: WriteLimitOptions): RequestHandler {
  if (limit === 0) return (_req, _res, next) => next();
  return rateLimit({
    windowMs: windowSeconds * 1_000,
    limit,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    store,
    passOnStoreError: true,
    skip: (req) => readMethods.has(req.method),
    keyGenerator: (req, res) => {
      const caller = callerOf(res);
      return caller ? `${caller.role}:${caller.subject}` : `address:${ipKeyGenerator(req.ip ?? 'unknown')}`;
    },
    handler: (_req, res) => {
      sendError(res, 429, 'rate_limited', `Too many writes: at most ${limit} per ${windowSeconds} s; try again after Retry-After seconds`);
    },
    logger: { error: (error: unknown, message: string) => log(`${message} ${(error as Error)?.message ?? error}`), warn: () => {} },
  } as Parameters<typeof rateLimit>[0]);
}

/** A Redis-backed store for the limiter, and how to close its connection. */
export async function connectRateLimitStore(redisUrl: string, prefix: string, log: (line: string) => void = () => {}) {
  // No offline queue: while Redis is away a command fails at once (and the request passes) instead of waiting.
  const client = createClient({ url: redisUrl, disableOfflineQueue: true });
  let reported = false;
  client.on('error', (error: Error) => {
    if (!reported) log(`rate-limit store at ${redisUrl}: ${error.message} (requests pass unlimited until it answers)`);
    reported = true;
  });
  client.on('ready', () => (reported = false));
  await client.connect();
  const store = new RedisStore({ prefix, sendCommand: (...args: string[]) => client.sendCommand(args) });
  return { store, close: async () => void (await client.close()) };
}
