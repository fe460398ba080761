/**
 * The event contract, for producers and consumers alike: the types and their schemas per version, the CloudEvents
 * envelope, and decoding a message into a typed, upcast event (or learning why it cannot be read).
 *
 *   const event = decodeEvent(msg.data);            // throws EventDecodeError (reason, id, issues) on a bad event
 *   if (event.type === EventType.bookingConfirmed) event.data.total;
 */
export { decodeEvent, decodeStoredData, createEventDecoder, type DecodedEvent, type UntypedDecodedEvent } from './decode.ts';
export { EventDecodeError, type EventRejectionReason } from './decode-error.ts';
export { eventCatalog, isKnownEventType, type DecodedData, type EventData } from './catalog.ts';
export { EventType } from './event-types.ts';
export { type CloudEvent, type OrderedEnvelope, readOrdering } from './envelope.ts';
export { type OutboxRow, toCloudEvent } from './cloud-event.ts';
