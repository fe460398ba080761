import { type Db, isUniqueViolation, type Tx, transactionOptions } from '../db/prisma.ts';
import type { DecodedEvent, Envelope, UnknownEvent } from './decode-event.ts';
import { type EventConsumer, handlerFor } from './event-consumer.ts';

export type ApplyOutcome = 'applied' | 'skipped' | 'duplicate';

/** The booking's previous event has not been settled by this consumer yet: deliver this one again later. */
export class EventOutOfOrder extends Error {
  override readonly name = 'EventOutOfOrder';
  constructor(
    readonly bookingId: string,
    readonly expected: number,
    readonly got: number,
  ) {
    super(`booking ${bookingId}: event ${got} arrived before event ${expected}`);
  }
}

/** An event older than ones already settled for its booking (they were settled without it): it can never apply. */
export class LateEvent extends Error {
  override readonly name = 'LateEvent';
}

/**
 * Applies one event exactly once, in its booking's order: in one transaction, the inbox row (consumer, event id)
 * and the handler's effect. The inbox tells a redelivered event (already there: nothing changes) and the event's
 * place (only the booking's next event number is applied; a later one waits for the ones before it).
 */
export async function applyEvent(prisma: Db, consumer: EventConsumer, event: DecodedEvent | UnknownEvent): Promise<ApplyOutcome> {
  const handler = 'unknownType' in event ? undefined : handlerFor(consumer, event.type);
  let loaded: unknown;
  if (handler && consumer.load) {
    // Outside any transaction (see EventConsumer.load). A settled event needs nothing loaded; the transaction below
    // checks again, so a delivery racing this one still changes nothing.
    if ((await prisma.consumerInboxEvent.count({ where: { consumer: consumer.name, eventId: event.id } })) > 0) return 'duplicate';
    loaded = await consumer.load(event as DecodedEvent);
  }
  try {
    return await prisma.$transaction(async (tx) => {
      if (await alreadySettled(tx, consumer.name, event.id)) return 'duplicate';
      const expected = (await lastSettledSequence(tx, consumer.name, event.bookingId)) + 1;
      if (event.sequence > expected) throw new EventOutOfOrder(event.bookingId, expected, event.sequence);
      if (event.sequence < expected) {
        throw new LateEvent(`booking ${event.bookingId}: event ${event.sequence} came after later events were settled without it`);
      }
      // The row goes in first: a second delivery of this event running at the same time waits on it, then fails.
      await tx.consumerInboxEvent.create({
        data: {
          consumer: consumer.name,
          eventId: event.id,
          bookingId: event.bookingId,
          sequence: event.sequence,
          type: event.type,
          outcome: handler ? 'applied' : 'skipped',
        },
      });
      if (handler) await handler(tx, event as DecodedEvent, loaded);
      return handler ? 'applied' : 'skipped';
    }, transactionOptions);
  } catch (error) {
    if (isUniqueViolation(error)) return 'duplicate'; // the same event, settled by a concurrent delivery
    throw error;
  }
}

/**
 * Records that the consumer gave up on an event: it takes the event's place in the booking's sequence (so the
 * booking's later events are applied) and keeps the reason. A no-op if the event was settled meanwhile.
 */
export async function recordDeadLetter(prisma: Db, consumer: EventConsumer, envelope: Envelope, reason: string): Promise<void> {
  try {
    await prisma.consumerInboxEvent.create({
      data: {
        consumer: consumer.name,
        eventId: envelope.id,
        bookingId: envelope.subject,
        sequence: envelope.bookingsequence,
        type: envelope.type,
        outcome: 'dead_lettered',
        reason: reason.slice(0, 2_000),
      },
    });
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
  }
}

async function alreadySettled(tx: Tx, consumer: string, eventId: string): Promise<boolean> {
  return (await tx.consumerInboxEvent.count({ where: { consumer, eventId } })) > 0;
}

async function lastSettledSequence(tx: Tx, consumer: string, bookingId: string): Promise<number> {
  const last = await tx.consumerInboxEvent.findFirst({
    where: { consumer, bookingId },
    orderBy: { sequence: 'desc' },
    select: { sequence: true },
  });
  return last?.sequence ?? 0;
}
