import type { Prisma, Tx } from '../db/prisma.ts';
import type { EventType } from './event-types.ts';

export interface NewOutboxEvent {
  bookingId: string;
  type: EventType;
  data: Prisma.InputJsonObject;
  occurredAt: Date;
}

/** Must be called with the transaction that makes the change the event announces: both commit or neither does. */
export async function appendOutboxEvent(tx: Tx, event: NewOutboxEvent) {
  return tx.outboxEvent.create({
    data: {
      aggregateType: 'booking',
      aggregateId: event.bookingId,
      type: event.type,
      data: event.data,
      occurredAt: event.occurredAt,
    },
  });
}
