import { randomUUID } from 'node:crypto';
import type { Tx } from '../db/prisma.ts';
import { type DomainEvent, type EventCodec, type EventMetadata, type RecordedEvent, StreamVersionConflict } from './types.ts';

export interface AppendRequest<E extends DomainEvent> {
  streamId: string;
  streamType: string;
  /** The version the events were decided on: 0 for a stream that must not exist yet. */
  expectedVersion: number;
  events: readonly E[];
  codec: EventCodec<E>;
  metadata?: EventMetadata;
  /** One time for the whole append (what the events' announcements carry too). */
  recordedAt: Date;
}

/**
 * Appends events to a stream if, and only if, the stream is still at `expectedVersion`; throws StreamVersionConflict
 * otherwise. One statement moves the stream's version and inserts the events, in the caller's transaction, so the
 * append commits (or rolls back) with whatever else that transaction writes.
 *
 * Why it is safe under concurrency: the version check is the WHERE of an UPDATE (or the conflict of an INSERT for a
 * new stream). Two writers that read the same version both reach that row; PostgreSQL makes the second wait for the
 * first's commit and then re-checks the WHERE against the committed row, which no longer matches: it updates nothing
 * and inserts nothing. No error is raised inside the transaction, so the caller may re-read and decide again in the
 * same transaction (READ COMMITTED: the next statement sees the winner's events). The unique (stream, position)
 * index is the backstop.
 */
export async function appendToStream<E extends DomainEvent>(tx: Tx, request: AppendRequest<E>): Promise<RecordedEvent<E>[]> {
  const { streamId, streamType, expectedVersion, events, codec, metadata = {}, recordedAt } = request;
  if (events.length === 0) return [];
  const rows = events.map((event, index) => ({ id: randomUUID(), position: expectedVersion + index + 1, ...codec.encode(event) }));
  const nextVersion = expectedVersion + events.length;
  const recordset = JSON.stringify(rows.map((r) => ({ id: r.id, position: r.position, type: r.type, schema_version: r.schemaVersion, data: r.data })));
  const at = recordedAt.toISOString();
  const inserted =
    expectedVersion === 0
      ? await tx.$queryRaw<{ global_position: bigint; stream_position: number }[]>`
          WITH moved AS (
            INSERT INTO event_streams (stream_id, stream_type, version, created_at, updated_at)
            VALUES (${streamId}, ${streamType}, ${nextVersion}::int, ${at}::timestamptz, ${at}::timestamptz)
            ON CONFLICT (stream_id) DO NOTHING
            RETURNING stream_id)
          INSERT INTO stream_events (id, stream_id, stream_position, type, schema_version, data, metadata, recorded_at)
          SELECT e.id, moved.stream_id, e.position, e.type, e.schema_version, e.data, ${JSON.stringify(metadata)}::jsonb, ${at}::timestamptz
          FROM moved CROSS JOIN jsonb_to_recordset(${recordset}::jsonb) AS e(id uuid, position int, type text, schema_version int, data jsonb)
          ORDER BY e.position
          RETURNING global_position, stream_position`
      : await tx.$queryRaw<{ global_position: bigint; stream_position: number }[]>`
          WITH moved AS (
            UPDATE event_streams SET version = ${nextVersion}::int, updated_at = ${at}::timestamptz
            WHERE stream_id = ${streamId} AND version = ${expectedVersion}::int
            RETURNING stream_id)
          INSERT INTO stream_events (id, stream_id, stream_position, type, schema_version, data, metadata, recorded_at)
          SELECT e.id, moved.stream_id, e.position, e.type, e.schema_version, e.data, ${JSON.stringify(metadata)}::jsonb, ${at}::timestamptz
          FROM moved CROSS JOIN jsonb_to_recordset(${recordset}::jsonb) AS e(id uuid, position int, type text, schema_version int, data jsonb)
          ORDER BY e.position
          RETURNING global_position, stream_position`;
  if (inserted.length === 0) throw new StreamVersionConflict(streamId, expectedVersion);
  const globalOf = new Map(inserted.map((row) => [Number(row.stream_position), BigInt(row.global_position)]));
  return events.map((event, index) => ({
    ...event,
    id: rows[index]!.id,
    streamId,
    streamPosition: rows[index]!.position,
    globalPosition: globalOf.get(rows[index]!.position)!,
    writtenVersion: rows[index]!.schemaVersion,
    metadata,
    recordedAt,
  }));
}
