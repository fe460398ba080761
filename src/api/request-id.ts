import { randomUUID } from 'node:crypto';
import type { RequestHandler, Response } from 'express';
import { withRequestId } from '../lib/logger.ts';

// Ids from a proxy or a client are kept when they look like ids (UUIDs, ULIDs, trace ids), replaced otherwise, so
// nothing a caller sends ends up unescaped in a log line or a header.
const acceptable = /^[A-Za-z0-9._:-]{1,128}$/;

/** X-Request-Id: the caller's if acceptable, else a new one; echoed, put in every error body and every log line. */
export function requestIds(): RequestHandler {
  return (req, res, next) => {
    const given = req.get('x-request-id');
    const requestId = given !== undefined && acceptable.test(given) ? given : randomUUID();
    res.locals.requestId = requestId;
    res.set('X-Request-Id', requestId);
    withRequestId(requestId, next);
  };
}

export function requestIdOf(res: Response): string | undefined {
  return res.locals.requestId as string | undefined;
}
