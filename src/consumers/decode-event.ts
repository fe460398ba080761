import { z } from 'zod';
import { EventType } from '../outbox/event-types.ts';
import { type EventData, eventDataSchemas } from './event-schemas.ts';

/**
 * The one place where consumers turn bytes into events: every transport hands its message body here, and handlers
 * only ever see what comes out. Two stages: the envelope (enough to know the event, its booking and its place in the
 * booking's sequence), then `data` against the schema of its type and version.
 */

/** An event that can never be applied, however often it is retried: it goes to the dead-letter path at once. */
export class UndecodableEvent extends Error {
  override readonly name = 'UndecodableEvent';
}

const envelopeSchema = z.object({
  specversion: z.literal('1.0'),
  id: z.uuid(),
  source: z.string().min(1),
  type: z.string().min(1),
  subject: z.string().min(1),
  bookingsequence: z.int().positive(),
  time: z.iso.datetime({ offset: true }),
  datacontenttype: z.literal('application/json'),
  dataschema: z.string(),
  data: z.unknown(),
});

export type Envelope = z.infer<typeof envelopeSchema>;

const knownTypes = new Set<string>(Object.values(EventType));
const isKnownType = (type: string): type is EventType => knownTypes.has(type);

/** A known event type with its data validated. */
export type DecodedEvent<T extends EventType = EventType> = {
  [K in T]: Omit<Envelope, 'type' | 'data'> & { type: K; data: EventData<K>; bookingId: string; sequence: number; occurredAt: Date };
}[T];

/** An event type this version of the consumers does not know: its place in the sequence counts, its data does not. */
export type UnknownEvent = Envelope & { type: string; bookingId: string; sequence: number; occurredAt: Date; unknownType: true };

export function decodeEnvelope(body: Uint8Array | string): Envelope {
  let json: unknown;
  try {
    json = JSON.parse(typeof body === 'string' ? body : new TextDecoder().decode(body));
  } catch (error) {
    throw new UndecodableEvent(`not JSON: ${(error as Error).message}`);
  }
  const parsed = envelopeSchema.safeParse(json);
  if (!parsed.success) throw new UndecodableEvent(`not a tripsaga CloudEvent: ${z.prettifyError(parsed.error).replace(/\n/g, '; ')}`);
  return parsed.data;
}

const schemaVersionOf = (dataschema: string) => Number(/:v(\d+)$/.exec(dataschema)?.[1] ?? Number.NaN);

export function decodeEvent(envelope: Envelope): DecodedEvent | UnknownEvent {
  const common = { bookingId: envelope.subject, sequence: envelope.bookingsequence, occurredAt: new Date(envelope.time) };
  if (!isKnownType(envelope.type)) return { ...envelope, ...common, unknownType: true };
  const version = schemaVersionOf(envelope.dataschema);
  if (version !== 1) throw new UndecodableEvent(`${envelope.type} at schema version ${envelope.dataschema} is not one this consumer reads (v1)`);
  const parsed = eventDataSchemas[envelope.type].safeParse(envelope.data);
  if (!parsed.success) {
    throw new UndecodableEvent(`${envelope.type} data does not match its v1 schema: ${z.prettifyError(parsed.error).replace(/\n/g, '; ')}`);
  }
  if ((parsed.data as { bookingId: string }).bookingId !== envelope.subject) {
    throw new UndecodableEvent(`data.bookingId ${(parsed.data as { bookingId: string }).bookingId} differs from the subject ${envelope.subject}`);
  }
  return { ...envelope, ...common, type: envelope.type, data: parsed.data } as DecodedEvent;
}
