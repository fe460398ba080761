import { type Db, Prisma } from '../db/prisma.ts';
import type { Backlog, PipelineMetrics } from '../metrics/pipeline-metrics.ts';
import { partitionOfBookingSql } from './partition-ownership.ts';
import type { PendingEvent, PublishReport } from '../transport/event-transport.ts';

/** An outbox row the broker has not acknowledged yet. */
export const notPublished = Prisma.sql`published_at IS NULL`;

/** Reports the outbox backlog in GET /metrics, measured when scraped, under the broker's name (`transport` label). */
export function probeOutboxBacklog(metrics: PipelineMetrics, prisma: Db, transport = 'jetstream') {
  metrics.probeOutbox(transport, () => measureBacklog(prisma));
}

/**
 * The oldest events still to deliver in the given partitions, in outbox order. A booking's events are numbered in
 * commit order, so a batch cut by LIMIT always holds a prefix of each booking's pending events.
 */
export async function readPendingEvents(
  prisma: Db,
  { partitions, partitionCount, limit }: { partitions: number[]; partitionCount: number; limit: number },
): Promise<PendingEvent[]> {
  return prisma.$queryRaw<PendingEvent[]>`
    SELECT position, id::text AS id, aggregate_id AS "aggregateId", sequence, type, schema_version AS "schemaVersion",
           data, occurred_at AS "occurredAt", traceparent, tracestate
    FROM outbox_events
    WHERE ${notPublished} AND ${Prisma.raw(partitionOfBookingSql(partitionCount))} = ANY(${partitions}::int[])
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

/**
 * Records the events the broker acknowledged as published, each with its ack time and stream sequence: the relay
 * never reads them again. One statement for the batch; `published_at IS NULL` keeps the first mark of an event that
 * two relays published during a handover (the broker stored it once, so both acks name the same sequence).
 */
export async function markPublished(prisma: Db, delivered: PublishReport['delivered']): Promise<void> {
  if (delivered.length === 0) return;
  const acks = delivered.map(({ event, ackedAt, streamSequence }) => ({ id: event.id, acked_at: ackedAt.toISOString(), stream_sequence: streamSequence }));
  await prisma.$executeRaw`
    UPDATE outbox_events AS o SET published_at = a.acked_at, stream_sequence = a.stream_sequence
    FROM jsonb_to_recordset(${JSON.stringify(acks)}::jsonb) AS a(id uuid, acked_at timestamptz, stream_sequence bigint)
    WHERE o.id = a.id AND o.published_at IS NULL`;
}

/** How many committed events wait for the broker, and for how long the oldest has. */
export async function measureBacklog(prisma: Db): Promise<Backlog> {
  const [row] = await prisma.$queryRaw<{ events: number; oldest: Date | null }[]>`
    SELECT count(*)::int AS events, min(occurred_at) AS oldest FROM outbox_events WHERE ${notPublished}`;
  const oldest = row?.oldest ? new Date(row.oldest) : undefined;
  return { events: row?.events ?? 0, oldestAgeSeconds: oldest ? Math.max(0, (Date.now() - oldest.getTime()) / 1000) : 0 };
}
