import { z } from 'zod';
import { EventDecodeError } from './decode-error.ts';

/**
 * How a tripsaga event travels, described once: a CloudEvents 1.0 event in *structured* mode (the whole envelope is
 * the JSON message body, `content-type: application/cloudevents+json`), so a consumer on any transport reads the
 * same document. Producers write it with toCloudEvent (cloud-event.ts); consumers read it with decodeEvent.
 */
export const eventSource = 'urn:tripsaga:booking-service';
export const cloudEventContentType = 'application/cloudevents+json';

const dataSchemaPattern = /^urn:tripsaga:schema:(.+):v([1-9][0-9]*)$/;

export function dataSchemaUri(type: string, version: number): string {
  return `urn:tripsaga:schema:${type}:v${version}`;
}

/** `urn:tripsaga:schema:com.tripsaga.booking.confirmed:v2` -> { type, version: 2 }. */
export function parseDataSchemaUri(uri: string): { type: string; version: number } | undefined {
  const match = dataSchemaPattern.exec(uri);
  if (!match) return undefined;
  const [, type, version] = match;
  const parsed = { type: type!, version: Number(version) };
  return dataSchemaUri(parsed.type, parsed.version) === uri ? parsed : undefined;
}

/**
 * NATS subject per event type: `com.tripsaga.booking.confirmed` -> `tripsaga.events.booking.confirmed`.
 * `root` lets several deployments (or test runs) share one NATS server without sharing subjects.
 */
export function subjectFor(type: string, root = 'tripsaga'): string {
  return `${root}.events.${type.replace(/^com\.tripsaga\./, '')}`;
}

const bookingSequence = z
  .int()
  .positive()
  .describe(
    'extension attribute: the event number within its booking (1, 2, 3... without gaps); a consumer applies event n + 1 of a booking only after event n',
  );

/**
 * The CloudEvents 1.0 attributes a tripsaga event carries. `subject` is required here, though optional in
 * CloudEvents: it is the booking id (for a wallet's own events, the wallet's stream id), the unit of ordering. Other
 * extension attributes are allowed and ignored.
 * `bookingsequence` is optional for the contract (events recorded before it existed are still read), required by the
 * consumers, who order by it (orderingAttributesSchema).
 */
export const cloudEventEnvelopeSchema = z.object({
  specversion: z.literal('1.0'),
  id: z.string().min(1).describe('the outbox row id: the same on every re-publication, so duplicates can be dropped'),
  source: z.string().min(1),
  type: z.string().min(1).describe('reverse-DNS event type, e.g. com.tripsaga.booking.confirmed'),
  subject: z.string().min(1).describe("the booking id (a wallet's own events: the wallet's stream id), the unit of ordering"),
  bookingsequence: bookingSequence.optional(),
  traceparent: z
    .string()
    .optional()
    .describe('distributed-tracing extension: the W3C trace context of the span that published the event (absent when tracing is off)'),
  tracestate: z.string().optional().describe('distributed-tracing extension: the W3C tracestate that goes with traceparent'),
  time: z.iso.datetime({ offset: true }),
  datacontenttype: z.literal('application/json').optional().describe('absent means application/json, as in CloudEvents'),
  dataschema: z.string().regex(dataSchemaPattern, 'must be urn:tripsaga:schema:<type>:v<version>'),
  data: z.unknown(),
});

export type CloudEvent<Data = unknown> = Omit<z.infer<typeof cloudEventEnvelopeSchema>, 'data'> & { data: Data };

/**
 * The attributes that place an event in its booking's order: enough for a consumer to record the event (also when the
 * rest of it cannot be read) and to hold the booking's later events behind it.
 */
export const orderingAttributesSchema = cloudEventEnvelopeSchema
  .pick({ id: true, type: true, subject: true, time: true })
  .extend({ bookingsequence: bookingSequence });

/** The ordering attributes of a message, with the rest of the envelope kept, unread, for decodeEvent. */
export type OrderedEnvelope = z.infer<typeof orderingAttributesSchema> & Record<string, unknown>;

/** Reads the ordering attributes from a message body; anything else is an EventDecodeError. */
export function readOrdering(body: unknown): OrderedEnvelope {
  const json = parseJsonObject(body);
  const parsed = orderingAttributesSchema.safeParse(json);
  if (!parsed.success) {
    throw new EventDecodeError('invalid-envelope', `not a tripsaga CloudEvent: ${z.prettifyError(parsed.error).replace(/\n/g, '; ')}`);
  }
  return json as OrderedEnvelope;
}

/** Bytes, a JSON string, or an already parsed value, as the one JSON object a structured CloudEvent is. */
export function parseJsonObject(message: unknown): Record<string, unknown> {
  let parsed = message;
  if (typeof message === 'string' || message instanceof Uint8Array) {
    try {
      parsed = JSON.parse(typeof message === 'string' ? message : new TextDecoder('utf-8', { fatal: true }).decode(message));
    } catch (error) {
      throw new EventDecodeError('unparseable', `not UTF-8 JSON: ${(error as Error).message}`);
    }
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new EventDecodeError('unparseable', 'not a JSON object: a structured CloudEvent is one');
  }
  return parsed as Record<string, unknown>;
}
