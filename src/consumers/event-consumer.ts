import type { Tx } from '../db/prisma.ts';
import type { EventType } from '../events/event-types.ts';
import type { ConsumedEvent } from './consumed-event.ts';

/**
 * A handler runs inside the transaction that also records the event in the consumer's inbox. Throw to retry.
 * `loaded` is what the consumer's `load` step returned for this event (undefined for a consumer without one).
 */
export type EventHandler<T extends EventType> = (tx: Tx, event: ConsumedEvent<T>, loaded?: unknown) => Promise<void>;

/** The handler registry: event type -> handler. A type without a handler is recorded as skipped. */
export type EventHandlers = { [T in EventType]?: EventHandler<T> };

export interface EventConsumer {
  /** Names the durable JetStream consumer and the consumer's rows in the inbox; never rename a deployed one. */
  name: string;
  handlers: EventHandlers;
  /**
   * Optional: fetches what the handler needs from elsewhere (e.g. calls the API back), BEFORE the transaction and
   * outside it, for events that have a handler and are not settled yet; the handler gets the result. Nothing may be
   * written here: a redelivered event may be loaded again, and only the transaction decides whether it applies.
   * Slow or remote work never holds a transaction open (with the embedded database, that session is shared with
   * the API of the same process: an HTTP call to it from inside a transaction would deadlock).
   */
  load?: (event: ConsumedEvent) => Promise<unknown>;
}

export function handlerFor(consumer: EventConsumer, type: string): EventHandler<EventType> | undefined {
  return consumer.handlers[type as EventType] as EventHandler<EventType> | undefined;
}

/**
 * A failure that retrying cannot cure (any error with `retryable: false`, e.g. a booking the API does not know):
 * the runner sends the event to the dead-letter path at once instead of retrying it.
 */
export function isPermanentFailure(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { retryable?: unknown }).retryable === false;
}

/**
 * A dependency down, not a fault of the event (any error with `outage: true`, e.g. an API that does not answer): the
 * runner retries it with backoff for as long as the outage lasts and never counts it against the event, as it does
 * when the database is down. Dead-lettering here would drop the effects of every event that met the outage.
 */
export function isOutage(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { outage?: unknown }).outage === true;
}
