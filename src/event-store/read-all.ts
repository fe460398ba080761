import type { Db, Tx } from '../db/prisma.ts';
import { type StoredEventRow, storedEventColumns, toRecordedEvent } from './read-stream.ts';
import type { DomainEvent, EventCodec, RecordedEvent } from './types.ts';

/** Where a reader of the global order stands: the last event it read, by (transaction id, global position). */
export interface GlobalCheckpoint {
  transactionId: bigint;
  globalPosition: bigint;
}

export const beforeFirstEvent: GlobalCheckpoint = { transactionId: 0n, globalPosition: 0n };

/**
 * Events of every stream (of one type, if given) in commit-safe global order, after a checkpoint.
 *
 * Global positions come from a sequence, taken when a transaction inserts, not when it commits: a transaction can
 * commit after another that took a higher position. A reader that remembered "position 42" would then never see the
 * late 41. So this reader only returns events of transactions older than every transaction still running
 * (`transaction_id < pg_snapshot_xmin(pg_current_snapshot())`: all of them have committed or rolled back), and orders
 * by (transaction id, position), which is stable once nothing older can appear. The price: while a transaction is
 * open, the reader waits for it, even for events of other transactions it could already see.
 */
export async function readAllEvents<E extends DomainEvent>(
  db: Db | Tx,
  codec: EventCodec<E>,
  { after = beforeFirstEvent, limit = 1_000, streamType }: { after?: GlobalCheckpoint; limit?: number; streamType?: string } = {},
): Promise<{ events: RecordedEvent<E>[]; checkpoint: GlobalCheckpoint }> {
  const rows = await db.$queryRawUnsafe<(StoredEventRow & { transaction_id: string })[]>(
    `SELECT ${storedEventColumns}, transaction_id::text AS transaction_id
     FROM stream_events e
     WHERE e.transaction_id < pg_snapshot_xmin(pg_current_snapshot())
       AND (e.transaction_id, e.global_position) > ($1::text::xid8, $2::bigint)
       AND ($3::text IS NULL OR EXISTS (SELECT 1 FROM event_streams s WHERE s.stream_id = e.stream_id AND s.stream_type = $3::text))
     ORDER BY e.transaction_id, e.global_position
     LIMIT $4::int`,
    after.transactionId.toString(),
    after.globalPosition.toString(),
    streamType ?? null,
    limit,
  );
  const last = rows.at(-1);
  return {
    events: rows.map((row) => toRecordedEvent(row, codec)),
    checkpoint: last ? { transactionId: BigInt(last.transaction_id), globalPosition: BigInt(last.global_position) } : after,
  };
}
