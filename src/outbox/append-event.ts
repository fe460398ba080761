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
 *
 * The transaction must also hold the booking's row lock (the saga steps take it first) or have created the booking:
 * that is what makes the booking's events one sequence, numbered 1, 2, 3... in commit order. A writer that forgot the
 * lock would collide on the unique (booking, sequence) index and fail, rather than publish events out of order.
 */
export async function appendOutboxEvent<T extends EventType>(tx: Tx, event: NewOutboxEvent<T>) {
  const definition = eventCatalog[event.type];
  const data = definition.latestSchema.parse(event.data) as Prisma.InputJsonObject;
  const last = await tx.outboxEvent.findFirst({
    where: { aggregateId: event.bookingId },
    orderBy: { sequence: 'desc' },
    select: { sequence: true },
  });
  return tx.outboxEvent.create({
    data: {
      aggregateType: 'booking',
      aggregateId: event.bookingId,
      sequence: (last?.sequence ?? 0) + 1,
      type: event.type,
      schemaVersion: definition.latestVersion,
      data,
      occurredAt: event.occurredAt,
    },
  });
}
