import type { Db, Tx } from '../db/prisma.ts';
import { readStream } from './read-stream.ts';
import { readSnapshot } from './snapshots.ts';
import type { AggregateDefinition, DomainEvent } from './types.ts';

export interface LoadedAggregate<S> {
  state: S;
  /** How many events the stream holds: the expected version of the next append. */
  version: number;
  /** Where the fold started: the snapshot's position, or 0 for a full replay. */
  fromSnapshotAt: number;
  /** A snapshot was there but of another shape (or unreadable), so the stream was replayed from its start. */
  snapshotIgnored: boolean;
  /** Events folded on top of the snapshot (or from the start). */
  eventsFolded: number;
}

/** The aggregate's current state: its latest usable snapshot plus the events after it (or every event, without one). */
export async function loadAggregate<S, E extends DomainEvent>(
  db: Db | Tx,
  aggregate: AggregateDefinition<S, E>,
  streamId: string,
  { useSnapshot = true }: { useSnapshot?: boolean } = {},
): Promise<LoadedAggregate<S>> {
  const { snapshot, ignored } = useSnapshot ? await readSnapshot(db, aggregate, streamId) : { snapshot: undefined, ignored: false };
  const fromSnapshotAt = snapshot?.streamPosition ?? 0;
  const tail = await readStream(db, streamId, aggregate.codec, { afterPosition: fromSnapshotAt });
  const state = tail.reduce(aggregate.evolve, snapshot?.state ?? aggregate.initialState());
  return {
    state,
    version: tail.at(-1)?.streamPosition ?? fromSnapshotAt,
    fromSnapshotAt,
    snapshotIgnored: ignored,
    eventsFolded: tail.length,
  };
}
