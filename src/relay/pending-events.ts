import { type Db, Prisma } from '../db/prisma.ts';
import type { Backlog, PipelineMetrics } from '../metrics/pipeline-metrics.ts';
import { partitionOfBookingSql } from './partition-ownership.ts';
import type { PendingEvent } from './transport.ts';

/** Each transport keeps its own mark on an outbox row; NULL means the transport has not acknowledged it yet. */
export const pendingOn = {
  jetstream: Prisma.sql`published_at IS NULL`,
  embedded: Prisma.sql`log_position IS NULL`,
} as const;

/** Reports the transport's outbox backlog in GET /metrics, measured when scraped. */
export function probeOutboxBacklog(metrics: PipelineMetrics, prisma: Db, transport: keyof typeof pendingOn) {
  metrics.probeOutbox(transport, () => measureBacklog(prisma, pendingOn[transport]));
}

/**
 * The oldest events still to deliver in the given partitions, in outbox order. A booking's events are numbered in
 * commit order, so a batch cut by LIMIT always holds a prefix of each booking's pending events.
 */
export async function readPendingEvents(
  prisma: Db,
  { pending, partitions, partitionCount, limit }: { pending: Prisma.Sql; partitions: number[]; partitionCount: number; limit: number },
): Promise<PendingEvent[]> {
  return prisma.$queryRaw<PendingEvent[]>`
    SELECT position, id::text AS id, aggregate_id AS "aggregateId", sequence, type, schema_version AS "schemaVersion",
           data, occurred_at AS "occurredAt"
    FROM outbox_events
    WHERE ${pending} AND ${Prisma.raw(partitionOfBookingSql(partitionCount))} = ANY(${partitions}::int[])
    ORDER BY position
    LIMIT ${limit}::int`;
}

/** Splits a batch into one list per booking, each in the booking's order. */
export function byBooking(events: PendingEvent[]): PendingEvent[][] {
  const bookings = new Map<string, PendingEvent[]>();
  for (const event of events) {
    const list = bookings.get(event.aggregateId);
    if (list) list.push(event);
    else bookings.set(event.aggregateId, [event]);
  }
  return [...bookings.values()];
}

/** How many committed events wait for a transport, and for how long the oldest has. */
export async function measureBacklog(prisma: Db, pending: Prisma.Sql): Promise<Backlog> {
  const [row] = await prisma.$queryRaw<{ events: number; oldest: Date | null }[]>`
    SELECT count(*)::int AS events, min(occurred_at) AS oldest FROM outbox_events WHERE ${pending}`;
  const oldest = row?.oldest ? new Date(row.oldest) : undefined;
  return { events: row?.events ?? 0, oldestAgeSeconds: oldest ? Math.max(0, (Date.now() - oldest.getTime()) / 1000) : 0 };
}
