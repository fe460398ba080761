import { z } from 'zod';

/** Shapes the API validates besides the domain's own (booking request, offer), kept beside each other. */

export const idempotencyKeySchema = z
  .string()
  .min(1, 'must not be empty')
  .max(255, 'at most 255 characters')
  .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces');

export const travelerEmailSchema = z.email({ error: 'must be an email address' }).max(320, 'at most 320 characters');

export const cancelRequestSchema = z.strictObject({
  reason: z.string().trim().min(1, 'must not be empty').max(500, 'at most 500 characters').optional(),
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
