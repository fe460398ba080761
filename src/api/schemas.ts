import { z } from 'zod';
import { policyChecked, text } from '../lib/input-policy.ts';

/** The shapes the API validates besides the domain's own (booking request, offer); strings follow src/lib/input-policy.ts. */

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
