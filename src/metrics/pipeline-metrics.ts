import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Latency buckets (seconds) for commit -> publish and publish -> applied: milliseconds up to a broker outage. */
const lagBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

export interface Backlog {
  events: number;
  oldestAgeSeconds: number;
}

/** A consumer's dead letters and the events held behind them. */
export interface UnsettledCounts {
  deadLetters: number;
  held: number;
}

/**
 * The event pipeline's Prometheus metrics, in a registry of its own (tests run several apps in one process). Backlogs
 * are measured when scraped, by probes the relay and the consumers register; counters and lags by the code that
 * does the work.
 */
export function createPipelineMetrics() {
  const registry = new Registry();
  const outboxProbes = new Map<string, () => Promise<Backlog>>();
  const consumerProbes = new Map<string, () => Promise<Backlog>>();
  const deadLetterProbes = new Map<string, () => Promise<UnsettledCounts>>();
  const registers = [registry];

  /** A gauge read from probes when scraped: one labelled value per probe that answers (a failing probe is left out). */
  function probedGauge<T>(name: string, help: string, label: string, probes: Map<string, () => Promise<T>>, value: (reading: T) => number) {
    return new Gauge({
      name,
      help,
      labelNames: [label],
      registers,
      async collect() {
        this.reset();
        for (const [key, probe] of probes) {
          const reading = await probe().catch(() => undefined);
          if (reading !== undefined) this.set({ [label]: key }, value(reading));
        }
      },
    });
  }

  const outboxBacklog = probedGauge(
    'tripsaga_outbox_backlog_events',
    'Committed outbox events not yet handed to the transport (JetStream, or the embedded event log)',
    'transport',
    outboxProbes,
    (backlog) => backlog.events,
  );
  const outboxOldest = probedGauge(
    'tripsaga_outbox_oldest_pending_age_seconds',
    'Age of the oldest committed event still waiting for the relay (0 when none)',
    'transport',
    outboxProbes,
    (backlog) => backlog.oldestAgeSeconds,
  );
  const consumerBacklog = probedGauge(
    'tripsaga_consumer_backlog_events',
    'Events published but not yet settled by the consumer',
    'consumer',
    consumerProbes,
    (backlog) => backlog.events,
  );
  const consumerOldest = probedGauge(
    'tripsaga_consumer_oldest_unapplied_age_seconds',
    'Age of the oldest published event the consumer has not settled yet (0 when none): its lag in seconds',
    'consumer',
    consumerProbes,
    (backlog) => backlog.oldestAgeSeconds,
  );
  const consumerDeadLetters = probedGauge(
    'tripsaga_consumer_dead_letters',
    'Events the consumer gave up on, waiting for a replay (npm run dead-letters)',
    'consumer',
    deadLetterProbes,
    (counts) => counts.deadLetters,
  );
  const consumerHeld = probedGauge(
    'tripsaga_consumer_held_events',
    'Events recorded unapplied behind a dead letter of their booking (a replay applies them in order)',
    'consumer',
    deadLetterProbes,
    (counts) => counts.held,
  );

  return {
    registry,
    outboxBacklog,
    outboxOldest,
    consumerBacklog,
    consumerOldest,
    consumerDeadLetters,
    consumerHeld,
    /** Registers how to measure the outbox backlog of a transport (one probe per transport). */
    probeOutbox(transport: string, probe: () => Promise<Backlog>) {
      outboxProbes.set(transport, probe);
    },
    probeConsumer(consumer: string, probe: () => Promise<Backlog>) {
      consumerProbes.set(consumer, probe);
    },
    probeDeadLetters(consumer: string, probe: () => Promise<UnsettledCounts>) {
      deadLetterProbes.set(consumer, probe);
    },
    relayPublished: new Counter({
      name: 'tripsaga_relay_published_events_total',
      help: 'Events the transport acknowledged',
      labelNames: ['transport'] as const,
      registers,
    }),
    relayDuplicates: new Counter({
      name: 'tripsaga_relay_duplicate_acks_total',
      help: 'Re-sent events the broker recognised by their Nats-Msg-Id and did not store again',
      labelNames: ['transport'] as const,
      registers,
    }),
    relayFailures: new Counter({
      name: 'tripsaga_relay_publish_failures_total',
      help: 'Publish attempts that failed (the event stays in the outbox and is retried with backoff)',
      labelNames: ['transport'] as const,
      registers,
    }),
    relayLag: new Histogram({
      name: 'tripsaga_relay_commit_to_publish_seconds',
      help: 'From the event being written (in its committing transaction) to the transport acknowledging it',
      labelNames: ['transport'] as const,
      buckets: lagBuckets,
      registers,
    }),
    relayPartitions: new Gauge({
      name: 'tripsaga_relay_owned_partitions',
      help: 'Outbox partitions this relay publishes',
      labelNames: ['relay'] as const,
      registers,
    }),
    consumerEvents: new Counter({
      name: 'tripsaga_consumer_events_total',
      help: 'Events settled by a consumer, by outcome: applied, skipped (no handler), duplicate, dead_lettered, held (behind a dead letter)',
      labelNames: ['consumer', 'outcome'] as const,
      registers,
    }),
    consumerFailures: new Counter({
      name: 'tripsaga_consumer_attempt_failures_total',
      help: 'Attempts to apply an event that failed (retried, and dead-lettered after the last attempt)',
      labelNames: ['consumer'] as const,
      registers,
    }),
    consumerLag: new Histogram({
      name: 'tripsaga_consumer_publish_to_apply_seconds',
      help: 'From the transport storing the event to the consumer committing its effect',
      labelNames: ['consumer'] as const,
      buckets: lagBuckets,
      registers,
    }),
  };
}

export type PipelineMetrics = ReturnType<typeof createPipelineMetrics>;
