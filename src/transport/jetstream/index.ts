import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { retryUntilAborted } from '../../lib/retry-until-aborted.ts';
import type { PipelineMetrics } from '../../metrics/pipeline-metrics.ts';
import type { DeliverySink, EventPublisher } from '../event-transport.ts';
import { connectNats } from './connection.ts';
import { createJetStreamPublisher } from './publisher.ts';
import { consumeFromJetStream } from './subscription.ts';
import { ensureStreams, type NatsTopology, streamMaxAgeMs } from './topology.ts';

export { type NatsTopology, natsTopology, streamMaxAgeMs } from './topology.ts';

export interface JetStreamTransportOptions {
  url: string;
  topology: NatsTopology;
  metrics: PipelineMetrics;
  /** Stops the connection attempts; close() still has to be called. */
  signal: AbortSignal;
  log?: (line: string) => void;
}

/**
 * The one door to NATS JetStream for a process: one connection (opened in the background and waited for, however
 * long the broker is away), the streams created on it, and both sides over it: the relay's publisher and the
 * consumers' subscriptions. Resolves to nothing when the signal aborts before the broker answered.
 */
export function openJetStreamTransport(options: JetStreamTransportOptions) {
  const { url, topology, metrics, signal, log = () => {} } = options;
  let nc: NatsConnection | undefined;
  const connected = connectNats(url, { name: 'tripsaga', signal, log }).then(async (connection) => {
    nc = connection;
    if (!connection) return undefined;
    const streams = await retryUntilAborted('creating the streams', async () => ensureStreams(await jetstreamManager(connection), topology), { signal, log });
    return streams === undefined && signal.aborted ? undefined : connection;
  });

  return {
    topology,

    /** The relay's side, once connected. */
    async publisher(): Promise<EventPublisher | undefined> {
      const connection = await connected;
      return connection && createJetStreamPublisher({ nc: connection, topology });
    },

    /** The consumers' side: feeds `sink` from its durable consumer until the signal aborts (or the consumer goes). */
    async subscribe(sink: DeliverySink): Promise<void> {
      const connection = await connected;
      if (connection) await consumeFromJetStream({ nc: connection, topology, sink, metrics, signal });
    },

    /** The age limit the events stream has now, in ms (0: none); undefined if the broker does not answer. */
    async eventsStreamMaxAgeMs(): Promise<number | undefined> {
      const connection = await connected;
      return connection ? streamMaxAgeMs(await jetstreamManager(connection), topology.eventsStream) : undefined;
    },

    /** Readiness: resolves when the broker answers a round trip on this process's connection. */
    async ping(): Promise<void> {
      if (!nc) throw new Error('not connected to NATS yet');
      await nc.rtt();
    },
    /** Lets what is in flight (acks, publishes) reach the broker, then closes the connection. */
    async close(): Promise<void> {
      await connected.catch(() => undefined);
      await nc?.drain().catch(() => nc?.close());
    },
  };
}

export type JetStreamTransport = ReturnType<typeof openJetStreamTransport>;
