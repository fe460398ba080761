import type { TimelineEntry } from './timeline-view.ts';

/**
 * The database's records of a booking turned into timeline entries, and the order they are told in. Pure: the rows
 * come in as plain values (booking-timeline.ts reads them), so the unit tier checks every rule here.
 */

export interface BookingRecord {
  id: string;
  createdAt: Date;
  /** The API's Idempotency-Key record of the request, if it came with one. */
  idempotencyKey: string | null;
}

export interface OutboxRecord {
  id: string;
  position: bigint;
  sequence: number;
  type: string;
  schemaVersion: number;
  occurredAt: Date;
  publishedAt: Date | null;
  streamSequence: bigint | null;
}

export interface InboxRecord {
  consumer: string;
  eventId: string;
  sequence: number;
  type: string;
  outcome: string;
  reason: string | null;
  processedAt: Date;
}

/** `com.tripsaga.flight.reserved` reads as `flight.reserved`. */
export const shortType = (type: string) => type.replace(/^com\.tripsaga\./, '');

/** The booking row is written by the transaction that accepted POST /bookings: the request is its creation. */
export function requestEntry(booking: BookingRecord): TimelineEntry {
  return {
    kind: 'request',
    source: 'api',
    at: booking.createdAt.toISOString(),
    title: `POST /bookings accepted${booking.idempotencyKey === null ? '' : ' (with an Idempotency-Key)'}`,
    method: 'POST',
    path: '/bookings',
    idempotencyKey: booking.idempotencyKey,
  };
}

export function outboxEntry(row: OutboxRecord): TimelineEntry {
  const published = row.publishedAt
    ? `published${row.streamSequence === null ? '' : ` as stream message ${row.streamSequence}`}`
    : 'not published yet';
  return {
    kind: 'event',
    source: 'outbox',
    at: row.occurredAt.toISOString(),
    title: `${shortType(row.type)} #${row.sequence} written to the outbox, ${published}`,
    eventId: row.id,
    type: row.type,
    sequence: row.sequence,
    schemaVersion: row.schemaVersion,
    position: row.position.toString(),
    publishedAt: row.publishedAt?.toISOString() ?? null,
    streamSequence: row.streamSequence === null ? null : Number(row.streamSequence),
  };
}

const outcomeWords: Record<string, string> = { applied: 'applied', skipped: 'skipped (no handler)', dead_lettered: 'dead-lettered', held: 'held behind a dead letter' };

export function inboxEntry(row: InboxRecord): TimelineEntry {
  return {
    kind: 'apply',
    source: 'inbox',
    at: row.processedAt.toISOString(),
    title: `${row.consumer}: ${shortType(row.type)} #${row.sequence} ${outcomeWords[row.outcome] ?? row.outcome}`,
    consumer: row.consumer,
    eventId: row.eventId,
    type: row.type,
    sequence: row.sequence,
    outcome: row.outcome,
    ...(row.reason ? { reason: row.reason } : {}),
  };
}

/**
 * Entries at the same millisecond (the request and its first events share the transaction's instant) are told in
 * causal order: the request, the saga's start, its steps, the events they wrote, the consumers' applies, the saga's
 * close. Within a kind: history order, then the booking's event order, then by consumer.
 */
function rank(entry: TimelineEntry): number {
  switch (entry.kind) {
    case 'request':
      return 0;
    case 'workflow':
      return entry.event === 'started' ? 1 : entry.event === 'update' || entry.event === 'signal' || entry.event === 'cancel-requested' ? 2 : 5;
    case 'step':
      return 2;
    case 'event':
      return 3;
    case 'apply':
      return 4;
  }
}

function within(a: TimelineEntry, b: TimelineEntry): number {
  if ((a.kind === 'workflow' || a.kind === 'step') && (b.kind === 'workflow' || b.kind === 'step')) return a.historyEventId - b.historyEventId;
  if ((a.kind === 'event' || a.kind === 'apply') && (b.kind === 'event' || b.kind === 'apply')) {
    if (a.sequence !== b.sequence) return a.sequence - b.sequence;
    if (a.kind === 'apply' && b.kind === 'apply') return a.consumer < b.consumer ? -1 : a.consumer > b.consumer ? 1 : 0;
  }
  return 0;
}

/** In time order; a stable sort, so the sources' own order survives where nothing else tells two entries apart. */
export function inTimeOrder(entries: readonly TimelineEntry[]): TimelineEntry[] {
  return [...entries].sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || rank(a) - rank(b) || within(a, b));
}

export interface TimelineSources {
  booking: BookingRecord;
  outbox: readonly OutboxRecord[];
  inbox: readonly InboxRecord[];
  /** The saga's entries (saga-history.ts), none when no workflow has the booking's id. */
  saga: readonly TimelineEntry[];
}

export function timelineEntries({ booking, outbox, inbox, saga }: TimelineSources): TimelineEntry[] {
  return inTimeOrder([requestEntry(booking), ...saga, ...outbox.map(outboxEntry), ...inbox.map(inboxEntry)]);
}
