import { z } from 'zod';
import { type DecodedData, EventDecodeError, decodeEvent as decodeContract, isKnownEventType } from '../events/index.ts';
import { aggregateTypeOf, type EventType } from '../outbox/event-types.ts';

/**
 * The one place where consumers turn bytes into events: every transport hands its message body here, and handlers
 * only ever see what comes out. Two stages: the envelope with tripsaga's ordering extension (enough to know the event,
 * its booking and its place in the booking's sequence), then the event contract (src/events): `data` validated against
 * the schema of its type and version and upcast to the newest version, unknown fields ignored.
 */

/** An event that can never be applied, however often it is retried: it goes to the dead-letter path at once. */
export class UndecodableEvent extends Error {
  override readonly name = 'UndecodableEvent';
  constructor(
    message: string,
    /** The contract's rejection, when it was the contract that refused: reason, facts and each bad field. */
    readonly rejection?: ReturnType<EventDecodeError['toJSON']>,
  ) {
    super(message);
  }
}

const orderingSchema = z.object({
  id: z.string().min(1),
  type: z.string().min(1),
  subject: z.string().min(1),
  bookingsequence: z.int().positive(),
  time: z.iso.datetime({ offset: true }),
});

export type Envelope = z.infer<typeof orderingSchema> & Record<string, unknown>;

/** A known event type with its data validated and upcast to the newest version. */
export type DecodedEvent<T extends EventType = EventType> = {
  [K in T]: {
    id: string;
    type: K;
    data: DecodedData<K>;
    bookingId: string;
    sequence: number;
    occurredAt: Date;
    /** The version the producer wrote (data is in the newest version this consumer knows). */
    writtenVersion: number;
  };
}[T];

/** An event type this version of the consumers does not know: its place in the sequence counts, its data does not. */
export type UnknownEvent = { id: string; type: string; bookingId: string; sequence: number; occurredAt: Date; unknownType: true };

export function decodeEnvelope(body: Uint8Array | string): Envelope {
  let json: unknown;
  try {
    json = JSON.parse(typeof body === 'string' ? body : new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch (error) {
    throw new UndecodableEvent(`not UTF-8 JSON: ${(error as Error).message}`);
  }
  const parsed = orderingSchema.safeParse(json);
  if (!parsed.success) throw new UndecodableEvent(`not a tripsaga CloudEvent: ${z.prettifyError(parsed.error).replace(/\n/g, '; ')}`);
  return json as Envelope;
}

export function decodeEvent(envelope: Envelope): DecodedEvent | UnknownEvent {
  const common = { id: envelope.id, bookingId: envelope.subject, sequence: envelope.bookingsequence, occurredAt: new Date(envelope.time) };
  // A type added after this consumer was built is not an error: handlers only act on the types they know.
  if (!isKnownEventType(envelope.type)) return { ...common, type: envelope.type, unknownType: true };
  let decoded;
  try {
    decoded = decodeContract(envelope);
  } catch (error) {
    if (error instanceof EventDecodeError) throw new UndecodableEvent(error.message, error.toJSON());
    throw error;
  }
  // A wallet's events name the booking they paid for, but their subject is the wallet (its stream id).
  const dataBookingId = (decoded.data as { bookingId?: string }).bookingId;
  if (aggregateTypeOf(decoded.type) === 'booking' && dataBookingId !== undefined && dataBookingId !== envelope.subject) {
    throw new UndecodableEvent(`data.bookingId ${dataBookingId} differs from the subject ${envelope.subject}`);
  }
  return { ...common, type: decoded.type, data: decoded.data, writtenVersion: decoded.writtenVersion } as DecodedEvent;
}
