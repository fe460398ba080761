import type { Tx } from '../db/prisma.ts';
import { type EventData, eventCatalog } from '../events/catalog.ts';
import type { EventType } from '../events/event-types.ts';
import { traceCarrierOf } from '../tracing/index.ts';

export interface NewOutboxEvent<T extends EventType> {
  bookingId: string;
  type: T;
  /** The newest version of the type's data (src/events/catalog.ts). */
  data: EventData<T>;
  occurredAt: Date;
}

/** Any one event, whatever its type: a list may mix types. */
export type AnyNewOutboxEvent = { [T in EventType]: NewOutboxEvent<T> }[EventType];

/**
 * Must be called with the transaction that makes the change the event announces: both commit or neither does.
 * The data is checked against the newest schema of its type and stored with that version, so nothing that breaks
 * the contract can reach the outbox (a mismatch throws, and the transaction rolls back).
 *
 * The transaction must also hold the booking's row lock (the saga steps take it first) or have created the booking:
 * that is what makes the booking's events one sequence, numbered 1, 2, 3... in commit order. A writer that forgot the
 * lock would collide on the unique (booking, sequence) index and fail, rather than publish events out of order.
 */
export async function appendOutboxEvent<T extends EventType>(tx: Tx, event: NewOutboxEvent<T>): Promise<void> {
  await appendOutboxEvents(tx, [event as AnyNewOutboxEvent]);
}

/**
 * Several events of one booking, numbered in the order given, in one statement: the next sequence number is read
 * and the rows written by the same INSERT, one round trip each time a step announces something (same rules as above).
 */
export async function appendOutboxEvents(tx: Tx, events: readonly AnyNewOutboxEvent[]): Promise<void> {
  const bookingId = events[0]?.bookingId;
  if (bookingId === undefined) return;
  for (const event of events) {
    if (event.bookingId !== bookingId) throw new Error(`appendOutboxEvents takes the events of one booking: ${event.bookingId} is not ${bookingId}`);
  }
  await appendAggregateOutboxEvents(tx, { type: 'booking', id: bookingId }, events);
}

/** The unit of ordering of an event: its subject, and what the relay and the consumers keep in order. */
export interface OutboxAggregate {
  type: 'booking' | 'wallet';
  id: string;
}

/**
 * The same for any aggregate. A wallet's events are announced under the wallet's stream id, because a deposit has no
 * booking: the wallet's own order is the one its consumers need. `id` lets an event-sourced aggregate announce an
 * event under the id it has in the event store. The caller holds the aggregate's lock (the booking row; for a wallet,
 * the stream row its append updated), so the numbering is sequential.
 */
export async function appendAggregateOutboxEvents(
  tx: Tx,
  aggregate: OutboxAggregate,
  events: readonly (Omit<AnyNewOutboxEvent, 'bookingId'> & { id?: string })[],
): Promise<void> {
  if (events.length === 0) return;
  const rows = events.map((event, index) => {
    const definition = eventCatalog[event.type];
    return {
      n: index + 1,
      id: event.id ?? null,
      type: event.type,
      schema_version: definition.latestVersion,
      data: definition.latestSchema.parse(event.data),
      occurred_at: event.occurredAt.toISOString(),
    };
  });
  // The active span (the HTTP request's, the saga step's) is where the event comes from: the relay continues it.
  const trace = traceCarrierOf();
  await tx.$executeRaw`
    INSERT INTO outbox_events (id, aggregate_type, aggregate_id, sequence, type, schema_version, data, occurred_at, traceparent, tracestate)
    SELECT coalesce(e.id, gen_random_uuid()), ${aggregate.type}, ${aggregate.id}, last.sequence + e.n, e.type, e.schema_version, e.data, e.occurred_at,
           ${trace?.traceparent ?? null}::text, ${trace?.tracestate ?? null}::text
    FROM (SELECT coalesce(max(sequence), 0) AS sequence FROM outbox_events WHERE aggregate_id = ${aggregate.id}) AS last
    CROSS JOIN jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS e(n int, id uuid, type text, schema_version int, data jsonb, occurred_at timestamptz)
    ORDER BY e.n`;
}
