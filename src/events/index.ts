/**
 * What consumers import: decode a message into a typed, upcast event, or learn why it cannot be read.
 *
 *   const event = decodeEvent(msg.data);            // throws EventDecodeError (reason, id, issues) on a bad event
 *   if (event.type === EventType.bookingConfirmed) event.data.total;
 */
export { decodeEvent, decodeStoredData, createEventDecoder, type DecodedEvent, type UntypedDecodedEvent } from './decode.ts';
export { EventDecodeError, type EventRejectionReason } from './decode-error.ts';
export { eventCatalog, isKnownEventType, type DecodedData, type EventData } from './catalog.ts';
export { EventType } from '../outbox/event-types.ts';
