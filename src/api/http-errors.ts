import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import { z } from 'zod';
import { BookingError, type BookingErrorCode, type FieldProblem } from '../bookings/errors.ts';
import { isDatabaseUnavailable } from '../db/prisma.ts';

/** Every error body has this shape: a stable code, a sentence, and for bad input each offending field and why. */
export const errorBodySchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    fields: z.array(z.object({ path: z.string(), reason: z.string() })).optional(),
  }),
});

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields?: FieldProblem[],
  ) {
    super(message);
  }
}

export function invalidInput(error: z.ZodError, prefix?: string): HttpError {
  const fields = error.issues.map((issue) => ({
    path: [prefix, ...issue.path.map(String)].filter(Boolean).join('.') || '(body)',
    reason: issue.code === 'unrecognized_keys' ? `unknown field(s): ${issue.keys.join(', ')}` : issue.message,
  }));
  return new HttpError(400, 'invalid_request', 'The request is not valid; see fields', fields);
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * body-parser's `verify` hook: a body that is not UTF-8 is refused. Left alone, the parser would turn each bad byte
 * into U+FFFD and the API would store a name the client never sent.
 */
export function requireUtf8(_req: unknown, _res: unknown, body: Buffer) {
  try {
    strictUtf8.decode(body);
  } catch {
    throw Object.assign(new Error('The request body is not valid UTF-8'), { status: 400, expose: true, invalidUtf8: true });
  }
}

/** Parses with a schema or answers 400 listing every problem, before anything is written. */
export function parseOrReject<S extends z.ZodType>(schema: S, value: unknown, prefix?: string): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw invalidInput(parsed.error, prefix);
  return parsed.data;
}

const statusOf: Record<BookingErrorCode, number> = {
  booking_not_found: 404,
  offer_not_bookable: 422,
  idempotency_key_reused: 422,
  nothing_to_cancel: 409,
  saga_unavailable: 503,
};

export function sendError(res: Response, status: number, code: string, message: string, fields?: FieldProblem[]) {
  res.status(status).json({ error: { code, message, ...(fields && fields.length > 0 ? { fields } : {}) } });
}

/** Long enough for a database restart or failover to pass, short enough that a client is not kept waiting for nothing. */
export const databaseRetryAfterSeconds = 2;

function firstLine(error: unknown): string {
  return String((error as Error)?.message ?? error).split('\n').find((line) => line.trim() !== '') ?? 'no message';
}

export const notFoundHandler: RequestHandler = (req, res) => {
  sendError(res, 404, 'not_found', `No route for ${req.method} ${req.path}`);
};

/** The last middleware: known errors become their status; anything else is a 500 with no internals in the body. */
export function errorHandler(log: (line: string) => void): ErrorRequestHandler {
  return (error, req, res, _next) => {
    if (error instanceof HttpError) return sendError(res, error.status, error.code, error.message, error.fields);
    if (error instanceof BookingError && error.code === 'saga_unavailable') res.set('Retry-After', String(databaseRetryAfterSeconds));
    if (error instanceof BookingError) return sendError(res, statusOf[error.code], error.code, error.message, error.fields);
    // The router could not percent-decode a path parameter (`%ff`, a lone `%`): bad input, not our failure.
    if (error instanceof URIError) {
      return sendError(res, 400, 'invalid_request', 'The request is not valid; see fields', [
        { path: 'params', reason: 'a path parameter is not valid percent-encoded UTF-8' },
      ]);
    }
    if ((error as { invalidUtf8?: boolean }).invalidUtf8) {
      return sendError(res, 400, 'invalid_encoding', 'The request body is not valid UTF-8');
    }
    // body-parser's own errors carry a `type`.
    switch ((error as { type?: string }).type) {
      case 'entity.parse.failed':
        return sendError(res, 400, 'malformed_json', 'The request body is not valid JSON');
      case 'entity.too.large':
        return sendError(res, 413, 'body_too_large', 'The request body is larger than 16 KiB');
      case 'encoding.unsupported':
      case 'charset.unsupported':
        return sendError(res, 415, 'unsupported_encoding', 'Send the body as UTF-8 JSON');
    }
    if (isDatabaseUnavailable(error)) {
      // A restart or failover of the database: the request wrote nothing that matters (its transaction did not
      // commit, or it commits and an Idempotency-Key replay finds it), so the client is told to come back.
      log(`${req.method} ${req.originalUrl}: database unavailable (${firstLine(error)})`);
      if (res.headersSent) return;
      res.set('Retry-After', String(databaseRetryAfterSeconds));
      return sendError(res, 503, 'database_unavailable', 'The database cannot be reached right now; retry after the time in Retry-After');
    }
    log(`${req.method} ${req.originalUrl} failed: ${(error as Error)?.stack ?? String(error)}`);
    if (res.headersSent) return;
    sendError(res, 500, 'internal_error', 'Something went wrong on our side; it has been logged');
  };
}
