import type { Db, Prisma, Tx } from '../db/prisma.ts';
import type { AggregateDefinition, DomainEvent } from './types.ts';

export interface UsableSnapshot<S> {
  state: S;
  /** The stream version the state was folded up to. */
  streamPosition: number;
}

/**
 * The stream's snapshot if it can be trusted: taken with the state shape this code folds (same `stateVersion`) and
 * still valid against its schema. Anything else is reported as ignored, and the caller replays the whole stream: an
 * old snapshot costs a replay, never a wrong balance.
 */
export async function readSnapshot<S, E extends DomainEvent>(
  db: Db | Tx,
  aggregate: AggregateDefinition<S, E>,
  streamId: string,
): Promise<{ snapshot?: UsableSnapshot<S>; ignored: boolean }> {
  const row = await db.streamSnapshot.findUnique({ where: { streamId } });
  if (!row) return { ignored: false };
  if (row.stateVersion !== aggregate.snapshot.stateVersion) return { ignored: true };
  const parsed = aggregate.snapshot.schema.safeParse(row.state);
  if (!parsed.success) return { ignored: true };
  return { snapshot: { state: parsed.data, streamPosition: row.streamPosition }, ignored: false };
}

/** Keeps one snapshot per stream, the latest: a snapshot is a cache of the fold, not history. */
export async function saveSnapshot<S, E extends DomainEvent>(
  tx: Tx,
  aggregate: AggregateDefinition<S, E>,
  streamId: string,
  state: S,
  streamPosition: number,
): Promise<void> {
  const data = {
    streamPosition,
    stateVersion: aggregate.snapshot.stateVersion,
    state: aggregate.snapshot.schema.parse(state) as Prisma.InputJsonValue,
    takenAt: new Date(),
  };
  await tx.streamSnapshot.upsert({ where: { streamId }, create: { streamId, ...data }, update: data });
}
