import { type JetStreamManager, JetStreamApiError, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import { subjectFor } from '../../events/cloud-event.ts';

/** The streams and subjects of one deployment, all named from one root (default `tripsaga`). */
export interface NatsTopology {
  root: string;
  eventsStream: string;
  /** `<root>.events.>`: one subject per event type below it (see subjectFor). */
  eventsSubjects: string;
  deadLetterStream: string;
  /** Copies JetStream keeps of each stream (NATS_STREAM_REPLICAS); set when a stream is created. */
  replicas: number;
  /**
   * How long the events stream keeps an event (NATS_STREAM_MAX_AGE; 0: for ever). Past it JetStream drops the event,
   * acked or not: no consumer can be given it again, which is what lets the prune job forget a settled booking.
   */
  maxAgeMs: number;
  subjectFor(eventType: string): string;
  deadLetterSubject(consumer: string): string;
}

export function natsTopology(root: string, replicas = 1, maxAgeMs = 0): NatsTopology {
  const streamPrefix = root.toUpperCase().replace(/-/g, '_');
  return {
    root,
    eventsStream: `${streamPrefix}_EVENTS`,
    eventsSubjects: `${root}.events.>`,
    deadLetterStream: `${streamPrefix}_DEAD_LETTERS`,
    replicas,
    maxAgeMs,
    subjectFor: (eventType) => subjectFor(eventType, root),
    deadLetterSubject: (consumer) => `${root}.dead-letter.${consumer}`,
  };
}

/**
 * How long JetStream remembers a `Nats-Msg-Id` to drop a re-sent event. A relay that died between the broker's ack
 * and marking the row re-sends within seconds; the window covers much longer outages too. Beyond it a duplicate is
 * stored, and the consumers' inboxes absorb it.
 */
export const duplicateWindowMs = 10 * 60_000;

/**
 * Creates both streams if missing (relays and consumers both call it; whoever comes first creates them), and gives an
 * existing events stream the age limit of this topology if it has another one (a stream created before the setting,
 * or with another value): every process should run with the same NATS_STREAM_MAX_AGE.
 *
 * The dead-letter stream has no age limit: it is the broker's copy of what an operator still has to look at.
 */
export async function ensureStreams(jsm: JetStreamManager, topology: NatsTopology): Promise<void> {
  await ensureStream(jsm, {
    name: topology.eventsStream,
    subjects: [topology.eventsSubjects],
    // JetStream refuses a duplicate window longer than the age limit.
    duplicate_window: nanos(topology.maxAgeMs > 0 ? Math.min(duplicateWindowMs, topology.maxAgeMs) : duplicateWindowMs),
    max_age: nanos(topology.maxAgeMs),
    num_replicas: topology.replicas,
  });
  await ensureStream(jsm, {
    name: topology.deadLetterStream,
    subjects: [`${topology.root}.dead-letter.>`],
    duplicate_window: nanos(duplicateWindowMs),
    num_replicas: topology.replicas,
  });
}

interface StreamSettings {
  name: string;
  subjects: string[];
  duplicate_window: number;
  num_replicas: number;
  max_age?: number;
}

async function ensureStream(jsm: JetStreamManager, config: StreamSettings) {
  try {
    const { config: existing } = await jsm.streams.info(config.name);
    if (config.max_age !== undefined && (existing.max_age !== config.max_age || existing.duplicate_window !== config.duplicate_window)) {
      // Lowering the limit drops at once every event older than the new one, consumed or not.
      await jsm.streams.update(config.name, { max_age: config.max_age, duplicate_window: config.duplicate_window });
    }
    return;
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  try {
    await jsm.streams.add({ ...config, storage: StorageType.File, retention: RetentionPolicy.Limits });
  } catch (error) {
    // Another relay or consumer created it between our look and our add.
    if (!(error instanceof JetStreamApiError && /already in use/i.test(error.message))) throw error;
  }
}

/** A stream's age limit as JetStream holds it now, in ms (0: none). */
export async function streamMaxAgeMs(jsm: JetStreamManager, stream: string): Promise<number> {
  const { config } = await jsm.streams.info(stream);
  return Math.floor((config.max_age ?? 0) / 1_000_000);
}

export function isNotFound(error: unknown): boolean {
  return error instanceof JetStreamApiError && error.status === 404;
}
