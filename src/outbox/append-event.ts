import type { Prisma, Tx } from '../db/prisma.ts';
import { type EventData, eventCatalog } from '../events/catalog.ts';
import type { EventType } from './event-types.ts';

export interface NewOutboxEvent<T extends EventType> {
  bookingId: string;
  type: T;
  /** The newest version of the type's data (src/events/catalog.ts). */
  data: EventData<T>;
  occurredAt: Date;
}

/**
 * Must be called with the transaction that makes the change the event announces: both commit or neither does.
 * The data is checked against the newest schema of its type and stored with that version, so nothing that breaks
 * the contract can reach the outbox (a mismatch throws, and the transaction rolls back).
 */
export async function appendOutboxEvent<T extends EventType>(tx: Tx, event: NewOutboxEvent<T>) {
  const definition = eventCatalog[event.type];
  const data = definition.latestSchema.parse(event.data) as Prisma.InputJsonObject;
  return tx.outboxEvent.create({
    data: {
      aggregateType: 'booking',
      aggregateId: event.bookingId,
      type: event.type,
      schemaVersion: definition.latestVersion,
      data,
      occurredAt: event.occurredAt,
    },
  });
}
