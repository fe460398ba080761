import type { Db, Tx } from '../db/prisma.ts';
import type { DomainEvent, EventCodec, EventMetadata, RecordedEvent } from './types.ts';

export interface StoredEventRow {
  id: string;
  stream_id: string;
  stream_position: number;
  global_position: bigint;
  type: string;
  schema_version: number;
  data: unknown;
  metadata: EventMetadata;
  recorded_at: Date;
}

export const storedEventColumns = 'id::text AS id, stream_id, stream_position, global_position, type, schema_version, data, metadata, recorded_at';

export function toRecordedEvent<E extends DomainEvent>(row: StoredEventRow, codec: EventCodec<E>): RecordedEvent<E> {
  const event = codec.decode({ type: row.type, schemaVersion: row.schema_version, data: row.data });
  return {
    ...event,
    id: row.id,
    streamId: row.stream_id,
    streamPosition: Number(row.stream_position),
    globalPosition: BigInt(row.global_position),
    writtenVersion: row.schema_version,
    metadata: row.metadata,
    recordedAt: new Date(row.recorded_at),
  };
}

/** A stream's events after `afterPosition` (0: all of them), in stream order. */
export async function readStream<E extends DomainEvent>(
  db: Db | Tx,
  streamId: string,
  codec: EventCodec<E>,
  { afterPosition = 0 }: { afterPosition?: number } = {},
): Promise<RecordedEvent<E>[]> {
  const rows = await db.$queryRawUnsafe<StoredEventRow[]>(
    `SELECT ${storedEventColumns} FROM stream_events WHERE stream_id = $1 AND stream_position > $2 ORDER BY stream_position`,
    streamId,
    afterPosition,
  );
  return rows.map((row) => toRecordedEvent(row, codec));
}

/**
 * Every event of every stream of a type, stream after stream, each in its order: pages of `limit` after a
 * (stream, position) key, for a reader that refolds them all (a rebuild) without holding them all in memory.
 */
export async function readStreamsOfType<E extends DomainEvent>(
  db: Db | Tx,
  streamType: string,
  codec: EventCodec<E>,
  { after = { streamId: '', streamPosition: 0 }, limit = 5_000 }: { after?: { streamId: string; streamPosition: number }; limit?: number } = {},
): Promise<RecordedEvent<E>[]> {
  const rows = await db.$queryRawUnsafe<StoredEventRow[]>(
    `SELECT ${storedEventColumns} FROM stream_events
     WHERE stream_id IN (SELECT stream_id FROM event_streams WHERE stream_type = $1) AND (stream_id, stream_position) > ($2, $3::int)
     ORDER BY stream_id, stream_position LIMIT $4::int`,
    streamType,
    after.streamId,
    after.streamPosition,
    limit,
  );
  return rows.map((row) => toRecordedEvent(row, codec));
}
