import { type DecodedEvent, decodeEvent, type EventType, isKnownEventType, type OrderedEnvelope } from '../events/index.ts';

/**
 * What a consumer's handlers see: the decoded event of the contract (src/events), with its place in its booking's
 * order read off the envelope. Every message reaches it through readConsumedEvent; nothing else turns bytes into events.
 */
export type ConsumedEvent<T extends EventType = EventType> = T extends EventType
  ? DecodedEvent<T> & { bookingId: string; sequence: number; occurredAt: Date }
  : never;

/** An event type this version of the consumers does not know: its place in the sequence counts, its data does not. */
export type UnknownEvent = { id: string; type: string; bookingId: string; sequence: number; occurredAt: Date; unknownType: true };

/** Throws EventDecodeError for an event that can never be applied (it goes to the dead-letter path at once). */
export function readConsumedEvent(envelope: OrderedEnvelope): ConsumedEvent | UnknownEvent {
  const place = { id: envelope.id, bookingId: envelope.subject, sequence: envelope.bookingsequence, occurredAt: new Date(envelope.time) };
  // A type added after this consumer was built is not an error: handlers only act on the types they know.
  if (!isKnownEventType(envelope.type)) return { ...place, type: envelope.type, unknownType: true };
  return { ...decodeEvent(envelope), ...place } as ConsumedEvent;
}
