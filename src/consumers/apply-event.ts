import { type Db, isUniqueViolation, transactionOptions } from '../db/prisma.ts';
import type { OrderedEnvelope } from '../events/index.ts';
import type { ConsumedEvent, UnknownEvent } from './consumed-event.ts';
import { type EventConsumer, handlerFor } from './event-consumer.ts';
import { EventOutOfOrder } from './event-order.ts';
import { type InboxEntry, inboxPosition, takePlace } from './inbox-place.ts';

export { EventOutOfOrder, LateEvent } from './event-order.ts';

export type ApplyOutcome = 'applied' | 'skipped' | 'duplicate';

/**
 * Applies one event exactly once, in its booking's order: in one transaction, the inbox row (consumer, event id)
 * and the handler's effect. The inbox tells a redelivered event (already there: nothing changes) and the event's
 * place (only the booking's next event number is applied; a later one waits for the ones before it).
 *
 * Most events have no handler in a given consumer: their inbox row is the whole effect, so it is one autocommitted
 * statement, with no transaction around it.
 */
export async function applyEvent(prisma: Db, consumer: EventConsumer, event: ConsumedEvent | UnknownEvent): Promise<ApplyOutcome> {
  const handler = 'unknownType' in event ? undefined : handlerFor(consumer, event.type);
  const entry: InboxEntry = {
    consumer: consumer.name,
    eventId: event.id,
    bookingId: event.bookingId,
    sequence: event.sequence,
    type: event.type,
    outcome: handler ? 'applied' : 'skipped',
  };
  let loaded: unknown;
  if (handler && consumer.load) {
    // Outside any transaction (see EventConsumer.load), and only for an event that can apply now: loading may call
    // another service. The transaction below checks again, so a delivery racing this one still changes nothing.
    const position = await inboxPosition(prisma, entry);
    if (position.settled) return 'duplicate';
    if (event.sequence > position.lastSequence + 1) throw new EventOutOfOrder(event.bookingId, position.lastSequence + 1, event.sequence);
    loaded = await consumer.load(event as ConsumedEvent);
  }
  try {
    if (!handler) return (await takePlace(prisma, entry)) === 'claimed' ? 'skipped' : 'duplicate';
    return await prisma.$transaction(async (tx) => {
      // The row goes in first: a second delivery of this event running at the same time waits on it, then fails.
      if ((await takePlace(tx, entry)) === 'duplicate') return 'duplicate';
      await handler(tx, event as ConsumedEvent, loaded);
      return 'applied';
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
export async function recordDeadLetter(prisma: Db, consumer: EventConsumer, envelope: OrderedEnvelope, reason: string): Promise<void> {
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
