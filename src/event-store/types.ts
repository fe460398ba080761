import type { z } from 'zod';

/** An event as the domain speaks of it: a type and its data (in the newest version of the type's schema). */
export interface DomainEvent<Type extends string = string, Data = unknown> {
  type: Type;
  data: Data;
}

/** An event read back from a stream, with where and when the store put it. */
export type RecordedEvent<E extends DomainEvent = DomainEvent> = E & {
  id: string;
  streamId: string;
  /** 1, 2, 3... within the stream, without gaps. */
  streamPosition: number;
  /** Order across every stream (a 64-bit integer; gaps are normal: a rolled-back append burns its numbers). */
  globalPosition: bigint;
  /** The version the data was written in; `data` itself has been upcast to the newest. */
  writtenVersion: number;
  metadata: EventMetadata;
  recordedAt: Date;
};

/** Why an event was appended: who asked, and for what. Free-form beyond these, never used to rebuild state. */
export type EventMetadata = { [key: string]: string | number | boolean | null };

/**
 * How a stream's events are turned into rows and back: the store itself knows nothing of schemas. `decode` must
 * accept every version ever written (that is where upcasters run).
 */
export interface EventCodec<E extends DomainEvent> {
  encode(event: E): { type: string; schemaVersion: number; data: unknown };
  decode(row: { type: string; schemaVersion: number; data: unknown }): E;
}

/**
 * An event-sourced aggregate, as the store needs to know it: its state is the left fold of `evolve` over its
 * events, starting from `initialState`. `snapshot.stateVersion` names the shape of the state: bump it whenever
 * that shape (or what evolve computes) changes, and older snapshots are ignored instead of being misread.
 */
export interface AggregateDefinition<S, E extends DomainEvent> {
  streamType: string;
  initialState: () => S;
  evolve: (state: S, event: E) => S;
  codec: EventCodec<E>;
  snapshot: { stateVersion: number; schema: z.ZodType<S>; every: number };
}

/** The append's expected version did not match the stream's: another writer appended first. */
export class StreamVersionConflict extends Error {
  override readonly name = 'StreamVersionConflict';
  constructor(
    readonly streamId: string,
    readonly expectedVersion: number,
  ) {
    super(`stream ${streamId} is no longer at version ${expectedVersion}: another writer appended first`);
  }
}
