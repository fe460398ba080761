import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { EventTransportSetting } from '../config.ts';
import { createConsumerRunner, type ConsumerRunnerOptions } from '../consumers/consumer-runner.ts';
import type { EventConsumer } from '../consumers/event-consumer.ts';
import { consumeFromJetStream } from '../consumers/jetstream-source.ts';
import { consumeFromLocalLog } from '../consumers/local-log-source.ts';
import { notifierConsumer } from '../consumers/notifier/notifier.ts';
import { tripSummariesConsumer } from '../consumers/read-model/trip-summaries.ts';
import { statusUpdatesConsumer } from '../consumers/status-updates/status-updates.ts';
import { createBookingApiClient } from '../notifications/booking-api-client.ts';
import type { Database } from '../db/open-database.ts';
import type { PipelineMetrics } from '../metrics/pipeline-metrics.ts';
import { connectNats, isNatsReachable } from '../nats/connection.ts';
import { ensureStreams, natsTopology } from '../nats/topology.ts';
import { createJetStreamTransport } from '../relay/jetstream-transport.ts';
import { createLocalLogTransport } from '../relay/local-log-transport.ts';
import { createOutboxRelay, type OutboxRelay, type OutboxRelayOptions } from '../relay/outbox-relay.ts';

export type EventTransport = 'jetstream' | 'embedded';

interface DefaultConsumerOptions {
  apiBaseUrl?: string;
  /** The bearer token status-updates calls the API with. */
  apiToken?: () => string | Promise<string>;
  log?: (line: string) => void;
}

/**
 * The consumers a process runs unless told otherwise: the read model and the notifier (event-carried state), and
 * status-updates (event notification: it calls the API back, so it runs only when the API's URL is known).
 */
export function defaultConsumers({ apiBaseUrl, apiToken, log = () => {} }: DefaultConsumerOptions = {}): EventConsumer[] {
  const consumers = [tripSummariesConsumer, notifierConsumer];
  if (apiBaseUrl) consumers.push(statusUpdatesConsumer(createBookingApiClient({ baseUrl: apiBaseUrl, token: apiToken })));
  else log('consumer status-updates: not started, API_BASE_URL is not set (it calls GET /bookings/:id back for booking.status-changed)');
  return consumers;
}

export interface EventPipelineOptions {
  db: Pick<Database, 'prisma' | 'openSession'>;
  transport: EventTransport;
  natsUrl: string;
  natsSubjectRoot: string;
  metrics: PipelineMetrics;
  /** Which parts run in this process. */
  relay: boolean;
  consumers: boolean | EventConsumer[];
  /** Where the API answers (e.g. http://127.0.0.1:3000), for the default consumers that call it back. */
  apiBaseUrl?: string;
  apiToken?: () => string | Promise<string>;
  log?: (line: string) => void;
  /** Tuning, mostly for tests. */
  relayOptions?: Partial<Pick<OutboxRelayOptions, 'batchSize' | 'pollIntervalMs' | 'rebalanceIntervalMs'>>;
  runnerOptions?: Partial<Omit<ConsumerRunnerOptions, 'prisma' | 'consumer' | 'metrics' | 'log' | 'signal'>>;
}

/** `auto`: JetStream if a NATS server answers now, else the embedded path. */
export async function resolveEventTransport(setting: EventTransportSetting, natsUrl: string): Promise<EventTransport> {
  if (setting !== 'auto') return setting;
  return (await isNatsReachable(natsUrl)) ? 'jetstream' : 'embedded';
}

/**
 * Starts the relay and/or the consumers of this process on one transport, in the background. Nothing here gives up:
 * an unreachable broker or database is waited out with backoff while the backlog is reported. `stop()` finishes
 * the work in hand and returns.
 */
export function startEventPipeline(options: EventPipelineOptions) {
  const { db, transport, metrics, log = () => {} } = options;
  const topology = natsTopology(options.natsSubjectRoot);
  const consumers = options.consumers === true ? defaultConsumers({ apiBaseUrl: options.apiBaseUrl, apiToken: options.apiToken, log }) : options.consumers === false ? [] : options.consumers;
  const stopping = new AbortController();
  const { signal } = stopping;
  // Every lane of every consumer may wait on it at once (a retry's backoff): that is many listeners, not a leak.
  setMaxListeners(consumers.length * 16 + 16, signal);
  const relays: OutboxRelay[] = [];
  let nc: NatsConnection | undefined;

  const natsConnection = transport === 'jetstream'
    ? connectNats(options.natsUrl, { name: 'tripsaga', signal, log }).then(async (connection) => {
        nc = connection;
        if (connection) await retry('creating the streams', async () => ensureStreams(await jetstreamManager(connection), topology));
        return connection;
      })
    : Promise.resolve(undefined);

  /** Repeats `work` until it succeeds or the pipeline stops. */
  async function retry(what: string, work: () => Promise<void>) {
    for (let attempt = 0; !signal.aborted; attempt += 1) {
      try {
        await work();
        return;
      } catch (error) {
        if (signal.aborted) return;
        log(`${what} failed (${(error as Error).message}); retrying`);
        await sleep(Math.min(500 * 2 ** attempt, 10_000), undefined, { signal }).catch(() => {});
      }
    }
  }

  const tasks: Promise<void>[] = [];
  if (options.relay) {
    const relayTransport = async () => {
      if (transport === 'embedded') return createLocalLogTransport(db.prisma);
      const connection = await natsConnection;
      return connection && createJetStreamTransport({ nc: connection, prisma: db.prisma, topology });
    };
    tasks.push(
      relayTransport().then(async (relayVia) => {
        if (!relayVia) return;
        const relay = createOutboxRelay({ prisma: db.prisma, openSession: db.openSession, transport: relayVia, metrics, log, ...options.relayOptions });
        relays.push(relay);
        log(`relay ${relay.relayId}: publishing the outbox to ${transport === 'jetstream' ? `JetStream (${topology.eventsStream})` : 'the embedded event log'}`);
        await relay.run(signal);
      }),
    );
  }
  for (const consumer of consumers) {
    const runner = createConsumerRunner({ prisma: db.prisma, consumer, metrics, log, signal, ...options.runnerOptions });
    tasks.push(
      (async () => {
        const connection = await natsConnection;
        while (!signal.aborted) {
          await retry(`consumer ${consumer.name}`, async () => {
            if (transport === 'embedded') await consumeFromLocalLog({ prisma: db.prisma, openSession: db.openSession, runner, metrics, signal, log });
            else if (connection) await consumeFromJetStream({ nc: connection, topology, runner, metrics, signal });
          });
          // The subscription ended without a stop (e.g. the consumer was deleted on the server): start it again.
          if (!signal.aborted) await sleep(1_000, undefined, { signal }).catch(() => {});
        }
      })(),
    );
  }
  if (consumers.length > 0) log(`consumers ${consumers.map((c) => c.name).join(', ')}: reading from ${transport === 'jetstream' ? `JetStream (${topology.eventsStream})` : 'the embedded event log'}`);

  return {
    transport,
    topology,
    relays,
    async stop(): Promise<void> {
      stopping.abort();
      await Promise.allSettled(tasks);
      await natsConnection.catch(() => undefined);
      await nc?.drain().catch(() => nc?.close());
    },
  };
}

export type EventPipeline = ReturnType<typeof startEventPipeline>;
