import type { Prisma, Tx } from '../db/prisma.ts';
import type { EventType } from './event-types.ts';

export interface NewOutboxEvent {
  bookingId: string;
  type: EventType;
  data: Prisma.InputJsonObject;
  occurredAt: Date;
}

/**
 * Must be called with the transaction that makes the change the event announces: both commit or neither does.
 *
 * The transaction must also hold the booking's row lock (the saga steps take it first) or have created the booking:
 * that is what makes the booking's events one sequence, numbered 1, 2, 3... in commit order. A writer that forgot the
 * lock would collide on the unique (booking, sequence) index and fail, rather than publish events out of order.
 */
export async function appendOutboxEvent(tx: Tx, event: NewOutboxEvent) {
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
      data: event.data,
      occurredAt: event.occurredAt,
    },
  });
}
