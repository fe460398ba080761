import type { Tx } from '../db/prisma.ts';
import { appendToStream } from './append.ts';
import { loadAggregate } from './load-aggregate.ts';
import { saveSnapshot } from './snapshots.ts';
import { type AggregateDefinition, type DomainEvent, type EventMetadata, type RecordedEvent, StreamVersionConflict } from './types.ts';

export interface Handled<S, E extends DomainEvent> {
  /** The state after the new events (the loaded state when there were none). */
  state: S;
  version: number;
  appended: RecordedEvent<E>[];
}

export interface HandleOptions {
  metadata?: EventMetadata;
  recordedAt: Date;
  /** Appends that may lose to a concurrent writer before the conflict is the caller's. */
  maxAttempts?: number;
}

/**
 * Load, decide, append, in the caller's transaction. `decide` gets the current state and returns the events to
 * append (or throws a rejection of its own). When another writer appended first, the state is read again and decided
 * again: the second decision sees the winner's events (a second charge against a balance the first one lowered is
 * declined, not lost). A snapshot is saved when the append crosses a multiple of `snapshot.every`, or when the one
 * found could not be used.
 */
export async function handleCommand<S, E extends DomainEvent>(
  tx: Tx,
  aggregate: AggregateDefinition<S, E>,
  streamId: string,
  decide: (state: S, version: number) => readonly E[],
  { metadata, recordedAt, maxAttempts = 5 }: HandleOptions,
): Promise<Handled<S, E>> {
  for (let attempt = 1; ; attempt += 1) {
    const loaded = await loadAggregate(tx, aggregate, streamId);
    const events = decide(loaded.state, loaded.version);
    if (events.length === 0) return { state: loaded.state, version: loaded.version, appended: [] };
    try {
      const appended = await appendToStream(tx, {
        streamId,
        streamType: aggregate.streamType,
        expectedVersion: loaded.version,
        events,
        codec: aggregate.codec,
        metadata,
        recordedAt,
      });
      const state = events.reduce(aggregate.evolve, loaded.state);
      const version = loaded.version + events.length;
      const every = aggregate.snapshot.every;
      const crossed = Math.floor(version / every) > Math.floor(loaded.version / every);
      if (crossed || (loaded.snapshotIgnored && version >= every)) await saveSnapshot(tx, aggregate, streamId, state, version);
      return { state, version, appended };
    } catch (error) {
      if (!(error instanceof StreamVersionConflict) || attempt >= maxAttempts) throw error;
    }
  }
}
