import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { createConsumerRunner, type ConsumerRunnerOptions } from '../consumers/consumer-runner.ts';
import { countUnsettled } from '../consumers/dead-letters.ts';
import type { EventConsumer } from '../consumers/event-consumer.ts';
import { notifierConsumer } from '../consumers/notifier/notifier.ts';
import { tripSummariesConsumer } from '../consumers/trip-summaries/trip-summaries.ts';
import { statusUpdatesConsumer } from '../consumers/status-updates/status-updates.ts';
import { createBookingApiClient } from '../consumers/status-updates/booking-api-client.ts';
import { walletStatementsConsumer } from '../wallet/projections/wallet-statement.ts';
import { choreographyConsumers, choreographySteps } from '../choreography/services.ts';
import { createTripOverseer } from '../choreography/overseer.ts';
import { systemClock } from '../lib/clock.ts';
import { walletPaymentMethod } from '../wallet/wallet-payment-method.ts';
import type { WalletSettings } from '../wallet/wallet-settings.ts';
import type { Database } from '../db/open-database.ts';
import { retryUntilAborted } from '../lib/retry-until-aborted.ts';
import { runPruneJob } from '../retention/prune.ts';
import type { PipelineMetrics } from '../metrics/pipeline-metrics.ts';
import { natsTopology, openJetStreamTransport } from '../transport/jetstream/index.ts';
import { createOutboxRelay, type OutboxRelay, type OutboxRelayOptions } from '../relay/outbox-relay.ts';

interface DefaultConsumerOptions {
  apiBaseUrl?: string;
  /** The bearer token status-updates calls the API with. */
  apiToken?: () => string | Promise<string>;
  log?: (line: string) => void;
}

/**
 * The consumers a process runs unless told otherwise: the read models (trip summaries, wallet statements) and the
 * notifier (event-carried state), and
 * status-updates (event notification: it calls the API back, so it runs only when the API's URL is known).
 */
export function defaultConsumers({ apiBaseUrl, apiToken, log = () => {} }: DefaultConsumerOptions = {}): EventConsumer[] {
  const consumers = [tripSummariesConsumer, notifierConsumer, walletStatementsConsumer];
  if (apiBaseUrl) consumers.push(statusUpdatesConsumer(createBookingApiClient({ baseUrl: apiBaseUrl, token: apiToken })));
  else log('consumer status-updates: not started, API_BASE_URL is not set (it calls GET /bookings/:id back for booking.status-changed)');
  return consumers;
}

export interface EventPipelineOptions {
  db: Pick<Database, 'prisma' | 'openSession'>;
  natsUrl: string;
  natsSubjectRoot: string;
  /** Replicas of the streams this pipeline creates (default 1). */
  natsStreamReplicas?: number;
  /** The events stream's age limit (NATS_STREAM_MAX_AGE; default none), set on the stream if it has another. */
  natsStreamMaxAgeMs?: number;
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
  /**
   * Runs the choreographed trip's services (src/choreography) as consumers beside the others, and the overseer that
   * reports trips stuck for longer than the step deadline. The payment step pays from the traveler's wallet.
   */
  choreography?: { wallet: WalletSettings; stepDeadlineMs: number; checkEveryMs?: number };
  /** Runs the prune job (src/retention/prune.ts) on the tables of the parts this process runs. */
  prune?: { olderThanMs: number; everyMs?: number; cancellationWindowMs?: number };
}

/**
 * Starts the relay and/or the consumers of this process on NATS JetStream, in the background. Nothing here gives up:
 * an unreachable broker or database is waited out with backoff while the backlog is reported. `stop()` finishes
 * the work in hand and returns.
 */
export function startEventPipeline(options: EventPipelineOptions) {
  const { db, metrics, log = () => {} } = options;
  const topology = natsTopology(options.natsSubjectRoot, options.natsStreamReplicas, options.natsStreamMaxAgeMs);
  const consumers = options.consumers === true ? defaultConsumers({ apiBaseUrl: options.apiBaseUrl, apiToken: options.apiToken, log }) : options.consumers === false ? [] : [...options.consumers];
  const choreography = options.choreography && { clock: systemClock, payments: walletPaymentMethod(options.choreography.wallet, () => systemClock.now()) };
  if (choreography) consumers.push(...choreographyConsumers(choreography));
  const stopping = new AbortController();
  const { signal } = stopping;
  // Every lane of every consumer may wait on it at once (a retry's backoff): that is many listeners, not a leak.
  setMaxListeners(consumers.length * 16 + 16, signal);
  const relays: OutboxRelay[] = [];
  const jetStream = openJetStreamTransport({ url: options.natsUrl, topology, metrics, signal, log });

  const tasks: Promise<void>[] = [];
  if (options.relay) {
    tasks.push(
      jetStream.publisher().then(async (publisher) => {
        if (!publisher) return;
        const relay = createOutboxRelay({ prisma: db.prisma, openSession: db.openSession, publisher, metrics, log, ...options.relayOptions });
        relays.push(relay);
        log(`relay ${relay.relayId}: publishing the outbox to JetStream (${topology.eventsStream})`);
        await relay.run(signal);
      }),
    );
  }
  for (const consumer of consumers) {
    const runner = createConsumerRunner({ prisma: db.prisma, consumer, metrics, log, signal, ...options.runnerOptions });
    metrics.probeDeadLetters(consumer.name, () => countUnsettled(db.prisma, consumer.name));
    tasks.push(
      (async () => {
        while (!signal.aborted) {
          await retryUntilAborted(`consumer ${consumer.name}`, () => jetStream.subscribe(runner), { signal, log });
          // The subscription ended without a stop (e.g. the consumer was deleted on the server): start it again.
          if (!signal.aborted) await sleep(1_000, undefined, { signal }).catch(() => {});
        }
      })(),
    );
  }
  if (choreography && options.choreography) {
    const { stepDeadlineMs, checkEveryMs } = options.choreography;
    const overseer = createTripOverseer({ prisma: db.prisma, services: choreographySteps(choreography), deadlineMs: stepDeadlineMs, clock: systemClock, registry: metrics.registry });
    tasks.push(overseer.run({ everyMs: checkEveryMs ?? Math.min(10_000, Math.max(250, stepDeadlineMs / 3)), signal, log }));
  }
  if (options.prune) {
    const { olderThanMs, everyMs, cancellationWindowMs } = options.prune;
    // Without the cancellation window no confirmed booking can be known settled: none is forgotten.
    const forget = cancellationWindowMs === undefined ? undefined : { cancellationWindowMs, streamMaxAgeMs: () => jetStream.eventsStreamMaxAgeMs() };
    tasks.push(runPruneJob(db.prisma, { olderThanMs, everyMs, forget, outbox: options.relay, inbox: consumers.length > 0, signal, log }));
  }
  if (consumers.length > 0) log(`consumers ${consumers.map((c) => c.name).join(', ')}: reading from JetStream (${topology.eventsStream})`);

  return {
    topology,
    relays,
    /** The consumers this process runs, by name (the choreographed trip's services among them when asked). */
    consumerNames: consumers.map((consumer) => consumer.name),
    /** Readiness: resolves when the broker answers a round trip. */
    checkBroker: () => jetStream.ping(),
    async stop(): Promise<void> {
      stopping.abort();
      await Promise.allSettled(tasks);
      await jetStream.close();
    },
  };
}

export type EventPipeline = ReturnType<typeof startEventPipeline>;
