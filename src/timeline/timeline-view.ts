import { z } from 'zod';
import { bookingStatus } from '../bookings/trip-vocabulary.ts';

/**
 * The response of GET /bookings/:id/timeline: what happened to a booking, from every record the system keeps of it,
 * in time order. Each entry names its `source`, so a reader knows whose clock and whose record it comes from.
 */

const at = z.iso.datetime().describe('when it happened, by the clock of its source');
const title = z.string().describe('one line for a person to read');
const temporalLinks = z.object({ temporalUi: z.url().describe('this event in the Temporal Web UI') });

const requestEntry = z.object({
  kind: z.literal('request'),
  source: z.literal('api').describe('the booking row and its Idempotency-Key record'),
  at,
  title,
  method: z.literal('POST'),
  path: z.literal('/bookings'),
  idempotencyKey: z.string().nullable().describe('the Idempotency-Key the request came with, if any'),
});

export const workflowEventKinds = ['started', 'update', 'signal', 'cancel-requested', 'completed', 'failed', 'cancelled', 'terminated', 'timed-out', 'continued-as-new'] as const;

const workflowEntry = z.object({
  kind: z.literal('workflow'),
  source: z.literal('temporal').describe("the saga's workflow history"),
  at,
  title,
  event: z.enum(workflowEventKinds),
  historyEventId: z.int(),
  links: temporalLinks,
});

export const stepOutcomes = ['completed', 'failed', 'timed-out', 'cancelled', 'running'] as const;

const stepEntry = z.object({
  kind: z.literal('step'),
  source: z.literal('temporal'),
  at: at.describe('when the step was scheduled'),
  title: title.describe("the step's summary, as the Temporal UI shows it"),
  activityType: z.string(),
  activityId: z.string(),
  compensation: z.boolean().describe('true for a step that undoes an earlier one'),
  outcome: z.enum(stepOutcomes),
  attempts: z.int().describe('how many times it ran (retries included); 0 while it waits for a worker'),
  endedAt: z.iso.datetime().nullable(),
  failure: z.string().optional().describe('why it failed, for a step that did'),
  historyEventId: z.int().describe('its ActivityTaskScheduled event'),
  links: temporalLinks,
});

const eventEntry = z.object({
  kind: z.literal('event'),
  source: z.literal('outbox'),
  at: at.describe('when the change it announces committed'),
  title,
  eventId: z.uuid(),
  type: z.string(),
  sequence: z.int().describe("the event's number within its booking"),
  schemaVersion: z.int(),
  position: z.string().describe('commit position in the outbox (a 64-bit integer, as a string)'),
  publishedAt: z.iso.datetime().nullable().describe('when JetStream acknowledged it; null while it waits in the outbox'),
  streamSequence: z.int().nullable().describe('its sequence in the JetStream stream; null until published (and for events published before it was recorded)'),
});

const applyEntry = z.object({
  kind: z.literal('apply'),
  source: z.literal('inbox').describe("the consumer's inbox row, written with its effect"),
  at,
  title,
  consumer: z.string(),
  eventId: z.uuid(),
  type: z.string(),
  sequence: z.int(),
  outcome: z.string().describe('applied, skipped (no handler), dead_lettered or held (see the event pipeline docs)'),
  reason: z.string().optional(),
});

export const timelineEntrySchema = z.discriminatedUnion('kind', [requestEntry, workflowEntry, stepEntry, eventEntry, applyEntry]);

export const bookingTimelineSchema = z.object({
  bookingId: z.string(),
  status: bookingStatus,
  workflow: z
    .discriminatedUnion('state', [
      z.object({ state: z.literal('found'), workflowId: z.string(), runId: z.string(), status: z.string(), url: z.url() }),
      z.object({ state: z.literal('none').describe('no workflow has this id: the saga never started, or the booking is not orchestrated') }),
      z.object({ state: z.literal('unavailable'), reason: z.string().describe('Temporal did not answer: the entries are those of the database alone') }),
    ])
    .describe("the saga's workflow, whose history the `temporal` entries come from"),
  trace: z
    .object({ traceId: z.string(), url: z.url().describe('the trace in the trace viewer (TRACING_UI_URL)') })
    .optional()
    .describe("the booking's trace, when it was made with tracing on (docs/tracing.md)"),
  entries: z.array(timelineEntrySchema).describe('in time order; entries at the same instant in causal order (request, saga, event, apply)'),
});

export type TimelineEntry = z.infer<typeof timelineEntrySchema>;
export type BookingTimeline = z.infer<typeof bookingTimelineSchema>;
export type WorkflowState = BookingTimeline['workflow'];
