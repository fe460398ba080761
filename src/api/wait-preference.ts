import { z } from 'zod';
import { HttpError } from './http-errors.ts';

/** The longest a `POST /bookings` waits for its saga's outcome; a longer wish is refused, not silently cut. */
export const maxWaitSeconds = 30;

export const waitSecondsSchema = z
  .string()
  .regex(/^\d+$/, 'a whole number of seconds')
  .transform(Number)
  .pipe(z.int().max(maxWaitSeconds, `at most ${maxWaitSeconds} seconds`));

/**
 * How long the caller will wait for the outcome, in seconds (0: answer at once). From `Prefer: wait=N` (RFC 7240,
 * other preferences in the header are ignored) or `?wait=N`; both at once must agree.
 */
export function waitSeconds(prefer: string | undefined, query: unknown): number {
  const fromHeader = prefer === undefined ? undefined : preferredWait(prefer);
  const fromQuery = typeof query === 'string' || Array.isArray(query) ? query : undefined;
  if (Array.isArray(fromQuery)) throw bad('query.wait', 'given once');
  const header = fromHeader === undefined ? undefined : parse(fromHeader, 'headers.Prefer');
  const param = fromQuery === undefined ? undefined : parse(fromQuery, 'query.wait');
  if (header !== undefined && param !== undefined && header !== param) throw bad('query.wait', 'differs from the wait in the Prefer header');
  return header ?? param ?? 0;
}

/** The value of the `wait` preference, e.g. `respond-async, wait=5` -> `5`; undefined without one. */
function preferredWait(prefer: string): string | undefined {
  for (const preference of prefer.split(',')) {
    const [token, ...value] = preference.split(';')[0]!.split('=');
    if (token!.trim().toLowerCase() === 'wait') return value.join('=').trim().replace(/^"(.*)"$/, '$1');
  }
  return undefined;
}

function parse(value: string, path: string): number {
  const parsed = waitSecondsSchema.safeParse(value);
  if (!parsed.success) throw bad(path, `wait must be ${parsed.error.issues[0]!.message}`);
  return parsed.data;
}

function bad(path: string, reason: string) {
  return new HttpError(400, 'invalid_request', 'The request is not valid; see fields', [{ path, reason }]);
}
