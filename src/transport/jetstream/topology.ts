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
  subjectFor(eventType: string): string;
  deadLetterSubject(consumer: string): string;
}

export function natsTopology(root: string, replicas = 1): NatsTopology {
  const streamPrefix = root.toUpperCase().replace(/-/g, '_');
  return {
    root,
    eventsStream: `${streamPrefix}_EVENTS`,
    eventsSubjects: `${root}.events.>`,
    deadLetterStream: `${streamPrefix}_DEAD_LETTERS`,
    replicas,
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

/** Creates both streams if missing (relays and consumers both call it; whoever comes first creates them). */
export async function ensureStreams(jsm: JetStreamManager, topology: NatsTopology): Promise<void> {
  await ensureStream(jsm, {
    name: topology.eventsStream,
    subjects: [topology.eventsSubjects],
    duplicate_window: nanos(duplicateWindowMs),
    num_replicas: topology.replicas,
  });
  await ensureStream(jsm, {
    name: topology.deadLetterStream,
    subjects: [`${topology.root}.dead-letter.>`],
    duplicate_window: nanos(duplicateWindowMs),
    num_replicas: topology.replicas,
  });
}

async function ensureStream(jsm: JetStreamManager, config: { name: string; subjects: string[]; duplicate_window: number; num_replicas: number }) {
  try {
    await jsm.streams.info(config.name);
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

export function isNotFound(error: unknown): boolean {
  return error instanceof JetStreamApiError && error.status === 404;
}
