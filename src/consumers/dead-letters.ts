import { type Db, transactionOptions } from '../db/prisma.ts';
import { readOrdering } from '../events/index.ts';
import { Prisma } from '../generated/prisma/client.ts';
import { readConsumedEvent } from './consumed-event.ts';
import { type EventConsumer, handlerFor } from './event-consumer.ts';

/**
 * Dead letters, as the inbox keeps them. When a consumer gives up on an event, the event's inbox row is
 * `dead_lettered`, with the reason and the CloudEvent; the booking's later events are then `held` behind it (recorded
 * with their CloudEvent, not applied: see takePlace), so that nothing of that booking is applied out of order while
 * an operator fixes the cause. A replay applies the dead letter and then the events held behind it, in sequence,
 * each exactly once: its row changes from dead_lettered/held to applied in the transaction of its effect.
 *
 * The broker's dead-letter stream keeps a copy of every dead-lettered message too (also of messages that were not
 * even a tripsaga CloudEvent, which have no inbox row); the inbox is what a replay works from, because it is the
 * record the consumer's exactly-once and ordering decisions are made on.
 */

export interface DeadLetter {
  consumer: string;
  eventId: string;
  bookingId: string;
  sequence: number;
  type: string;
  reason: string | null;
  deadLetteredAt: Date;
  /** Later events of the booking held behind this one. */
  held: number;
}

export interface DeadLetterDetail extends DeadLetter {
  envelope: unknown;
  heldEvents: { eventId: string; sequence: number; type: string }[];
}

export interface ReplayReport {
  consumer: string;
  bookingId: string;
  /** In the order applied. */
  replayed: { eventId: string; sequence: number; type: string; outcome: 'applied' | 'skipped' }[];
  /** Set when an event failed again (it is dead-lettered again, with this reason, and the rest stay held). */
  failed?: { eventId: string; sequence: number; reason: string };
}

/** A replay the CLI refuses: the event is not a dead letter of that consumer (or one before it must go first). */
export class NotReplayable extends Error {
  override readonly name = 'NotReplayable';
}

const unsettled = ['dead_lettered', 'held'];

/** For the dead-letter gauges and `npm run pipeline -- status`. */
export async function countUnsettled(prisma: Db, consumer: string): Promise<{ deadLetters: number; held: number }> {
  const groups = await prisma.consumerInboxEvent.groupBy({ by: ['outcome'], where: { consumer, outcome: { in: unsettled } }, _count: true });
  const count = (outcome: string) => groups.find((g) => g.outcome === outcome)?._count ?? 0;
  return { deadLetters: count('dead_lettered'), held: count('held') };
}

export async function listDeadLetters(prisma: Db, filter: { consumer?: string } = {}): Promise<DeadLetter[]> {
  const rows = await prisma.consumerInboxEvent.findMany({
    where: { outcome: 'dead_lettered', ...(filter.consumer ? { consumer: filter.consumer } : {}) },
    orderBy: [{ processedAt: 'asc' }],
  });
  return Promise.all(rows.map(async (row) => ({ ...summary(row), held: await heldCount(prisma, row) })));
}

/** The dead letters of an event id (one per consumer that gave up on it). */
export async function showDeadLetter(prisma: Db, eventId: string, consumer?: string): Promise<DeadLetterDetail[]> {
  const rows = await prisma.consumerInboxEvent.findMany({ where: { eventId, outcome: 'dead_lettered', ...(consumer ? { consumer } : {}) } });
  return Promise.all(
    rows.map(async (row) => {
      const heldEvents = await heldBehind(prisma, row);
      return { ...summary(row), held: heldEvents.length, envelope: row.envelope, heldEvents };
    }),
  );
}

/**
 * Replays one dead letter of `consumer` (its cause fixed), then the booking's events held behind it. Refuses an event
 * that is not dead-lettered by this consumer, and one with an earlier dead letter of its booking still unreplayed.
 */
export async function replayDeadLetter(prisma: Db, consumer: EventConsumer, eventId: string): Promise<ReplayReport> {
  const row = await prisma.consumerInboxEvent.findUnique({ where: { consumer_eventId: { consumer: consumer.name, eventId } } });
  if (!row) {
    throw new NotReplayable(`event ${eventId} is not dead-lettered by ${consumer.name}: the consumer has no record of it (not delivered yet, or pruned after it was settled)`);
  }
  if (row.outcome === 'held') {
    const first = await firstUnsettled(prisma, consumer.name, row.bookingId);
    throw new NotReplayable(
      `event ${eventId} is not dead-lettered by ${consumer.name}: it is held behind dead letter ${first?.eventId} (booking ${row.bookingId}, event ${first?.sequence}); replay that one`,
    );
  }
  if (row.outcome !== 'dead_lettered') {
    throw new NotReplayable(`event ${eventId} is not dead-lettered by ${consumer.name}: it was ${row.outcome} at ${row.processedAt.toISOString()}; nothing to replay`);
  }
  const first = await firstUnsettled(prisma, consumer.name, row.bookingId);
  if (first && first.sequence < row.sequence) {
    throw new NotReplayable(`booking ${row.bookingId} has an earlier dead letter for ${consumer.name}: replay ${first.eventId} (event ${first.sequence}) first`);
  }
  return replayBooking(prisma, consumer, row.bookingId);
}

/** Replays every booking that has a dead letter for `consumer`, each from its first one (see replayDeadLetter). */
export async function replayAllDeadLetters(prisma: Db, consumer: EventConsumer): Promise<ReplayReport[]> {
  const bookings = await prisma.consumerInboxEvent.findMany({
    where: { consumer: consumer.name, outcome: { in: unsettled } },
    distinct: ['bookingId'],
    select: { bookingId: true },
  });
  const reports: ReplayReport[] = [];
  for (const { bookingId } of bookings) reports.push(await replayBooking(prisma, consumer, bookingId));
  return reports;
}

/**
 * Applies the booking's dead-lettered and held events in sequence until none is left or one fails again. Each one in
 * its own transaction: the row turns from dead_lettered/held to applied (or skipped) only if it still is one, so two
 * replays running at once apply it once; the handler's effect commits with it.
 */
async function replayBooking(prisma: Db, consumer: EventConsumer, bookingId: string): Promise<ReplayReport> {
  const report: ReplayReport = { consumer: consumer.name, bookingId, replayed: [] };
  for (let next = await firstUnsettled(prisma, consumer.name, bookingId); next; next = await firstUnsettled(prisma, consumer.name, bookingId)) {
    const { eventId, sequence } = next;
    try {
      if (next.envelope === null) throw new Error('the inbox kept no copy of the event (recorded before dead letters kept one)');
      const event = readConsumedEvent(readOrdering(next.envelope));
      const handler = 'unknownType' in event ? undefined : handlerFor(consumer, event.type);
      const loaded = handler && consumer.load ? await consumer.load(event as Parameters<NonNullable<EventConsumer['load']>>[0]) : undefined;
      const outcome = handler ? 'applied' : 'skipped';
      const claimed = await prisma.$transaction(async (tx) => {
        const changed = await tx.consumerInboxEvent.updateMany({
          where: { consumer: consumer.name, eventId, outcome: next!.outcome },
          data: { outcome, reason: null, envelope: Prisma.DbNull, processedAt: new Date() },
        });
        if (changed.count === 0) return false; // a replay running beside this one took it
        if (handler) await handler(tx, event as Parameters<typeof handler>[1], loaded);
        return true;
      }, transactionOptions);
      if (claimed) report.replayed.push({ eventId, sequence, type: next.type, outcome });
    } catch (error) {
      const reason = `replay failed: ${(error as Error).message}`.slice(0, 2_000);
      await prisma.consumerInboxEvent.updateMany({
        where: { consumer: consumer.name, eventId, outcome: { in: unsettled } },
        data: { outcome: 'dead_lettered', reason, processedAt: new Date() },
      });
      report.failed = { eventId, sequence, reason };
      return report;
    }
  }
  return report;
}

function firstUnsettled(prisma: Db, consumer: string, bookingId: string) {
  return prisma.consumerInboxEvent.findFirst({ where: { consumer, bookingId, outcome: { in: unsettled } }, orderBy: { sequence: 'asc' } });
}

function heldCount(prisma: Db, row: { consumer: string; bookingId: string; sequence: number }) {
  return prisma.consumerInboxEvent.count({ where: { consumer: row.consumer, bookingId: row.bookingId, outcome: 'held', sequence: { gt: row.sequence } } });
}

function heldBehind(prisma: Db, row: { consumer: string; bookingId: string; sequence: number }) {
  return prisma.consumerInboxEvent.findMany({
    where: { consumer: row.consumer, bookingId: row.bookingId, outcome: 'held', sequence: { gt: row.sequence } },
    orderBy: { sequence: 'asc' },
    select: { eventId: true, sequence: true, type: true },
  });
}

function summary(row: { consumer: string; eventId: string; bookingId: string; sequence: number; type: string; reason: string | null; processedAt: Date }) {
  return { consumer: row.consumer, eventId: row.eventId, bookingId: row.bookingId, sequence: row.sequence, type: row.type, reason: row.reason, deadLetteredAt: row.processedAt };
}
