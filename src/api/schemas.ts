import { z } from 'zod';

/**
 * The input policy, one rule set for every string the API takes, and the shapes it validates besides the domain's
 * own (booking request, offer), kept beside each other.
 *
 * Every string is refused, not repaired: the caller hears which field and why, and nothing is written.
 * - Free text (names, reasons): one line of well-formed Unicode. No control characters (C0, DEL, C1: they break logs,
 *   CSV exports and PostgreSQL, which cannot store NUL), no lone surrogates (not Unicode; PostgreSQL refuses them),
 *   no bidirectional overrides, embeddings, isolates or marks (they make "Ada" display as something else in the
 *   Temporal UI, e-mails and logs: the Trojan Source trick), no line/paragraph separators, no noncharacters.
 *   Leading and trailing spaces are trimmed (after the check, so a trailing newline is still refused).
 * - Emails: at most 254 characters (RFC 5321's path limit), a local part of at most 64, and the plain ASCII shape
 *   `local@domain.tld` (quoted local parts and IP literals are refused: no booking needs them).
 * - Ids, currency, idempotency keys: an exact pattern (UUID, `EUR`, printable ASCII).
 * - Path parameters: text as above; a bad percent-encoding (`%ff`, a lone `%`) is refused by the error handler.
 * - Bodies: JSON in UTF-8 only; a byte sequence that is not UTF-8 is refused, not decoded to U+FFFD.
 */
const forbiddenCharacters: [RegExp, string][] = [
  [/[\u0000-\u001f\u007f-\u009f]/u, 'must not contain control characters (NUL, tab, newline, ...)'],
  [/\p{Cs}/u, 'must be well-formed Unicode (no lone surrogates)'],
  [/[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/u, 'must not contain bidirectional control characters'],
  [/[\u2028\u2029]/u, 'must not contain line or paragraph separators'],
  [/[\ufdd0-\ufdef\ufffe\uffff]/u, 'must not contain Unicode noncharacters'],
];

/** The first reason `value` breaks the free-text policy, or undefined when it does not. */
export function textPolicyViolation(value: string): string | undefined {
  return forbiddenCharacters.find(([pattern]) => pattern.test(value))?.[1];
}

const policyChecked = () =>
  z.string({ error: 'must be a string' }).check((ctx) => {
    const reason = textPolicyViolation(ctx.value);
    if (reason) ctx.issues.push({ code: 'custom', message: reason, input: ctx.value, abort: true });
  });

/** One line of free text, 1 to `max` characters once trimmed. */
export function text(max: number) {
  return policyChecked().trim().min(1, 'must not be empty').max(max, `at most ${max} characters`);
}

export const emailSchema = z
  .email({ error: (issue) => (issue.input === undefined || typeof issue.input === 'string' ? 'must be an email address' : 'must be a string') })
  .max(254, 'at most 254 characters')
  .refine((email) => email.indexOf('@') <= 64, 'the part before @ must be at most 64 characters');

/** A path parameter before it is looked up: any well-formed text (a shape that names nothing is a 404 later). */
export const pathParameterSchema = policyChecked().min(1, 'must not be empty').max(512, 'at most 512 characters');

export const idempotencyKeySchema = z
  .string()
  .min(1, 'must not be empty')
  .max(255, 'at most 255 characters')
  .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces');

export const travelerEmailSchema = z.email({ error: 'must be an email address' }).max(320, 'at most 320 characters');

export const cancelRequestSchema = z.strictObject({
  reason: text(500).optional(),
});

export const bookingAcceptedSchema = z.object({
  bookingId: z.string(),
  status: z.enum(['PENDING', 'CONFIRMED', 'COMPENSATED', 'CANCELLED']),
});

export const cancelAcceptedSchema = z.object({
  bookingId: z.string(),
  status: z.string().describe("the saga's status after accepting the request, e.g. CANCELLING"),
});

export const outboxEventViewSchema = z.object({
  id: z.uuid(),
  position: z.string().describe('commit position (a 64-bit integer, as a string)'),
  sequence: z.int().describe("the event's number within its booking: 1, 2, 3..."),
  type: z.string(),
  schemaVersion: z.int(),
  occurredAt: z.iso.datetime(),
  publishedAt: z.iso.datetime().nullable(),
  data: z.record(z.string(), z.unknown()),
});

export const bookingEventsSchema = z.object({ bookingId: z.string(), events: z.array(outboxEventViewSchema) });

export const healthSchema = z.object({ status: z.literal('ok') });

export const readinessSchema = z.object({
  ready: z.boolean(),
  checks: z.object({ database: z.string(), temporal: z.string() }),
});
