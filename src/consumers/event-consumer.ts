import type { Tx } from '../db/prisma.ts';
import type { EventType } from '../outbox/event-types.ts';
import type { DecodedEvent } from './decode-event.ts';

/** A handler runs inside the transaction that also records the event in the consumer's inbox. Throw to retry. */
export type EventHandler<T extends EventType> = (tx: Tx, event: DecodedEvent<T>) => Promise<void>;

/** The handler registry: event type -> handler. A type without a handler is recorded as skipped. */
export type EventHandlers = { [T in EventType]?: EventHandler<T> };

export interface EventConsumer {
  /** Names the durable JetStream consumer and the consumer's rows in the inbox; never rename a deployed one. */
  name: string;
  handlers: EventHandlers;
}

export function handlerFor(consumer: EventConsumer, type: string): EventHandler<EventType> | undefined {
  return consumer.handlers[type as EventType] as EventHandler<EventType> | undefined;
}
