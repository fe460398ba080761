import { setTimeout as sleep } from 'node:timers/promises';
import type { Db } from '../db/prisma.ts';
import type { PipelineMetrics } from '../metrics/pipeline-metrics.ts';
import type { Delivery, DeliverySink } from '../transport/event-transport.ts';
import { type ApplyOutcome, applyEvent, EventOutOfOrder, LateEvent, recordDeadLetter } from './apply-event.ts';
import { EventDecodeError, type OrderedEnvelope, readOrdering } from '../events/index.ts';
import { readConsumedEvent } from './consumed-event.ts';
import { createLaneScheduler } from './lane-scheduler.ts';
import { contextFromCarrier, inSpan, SpanKind } from '../tracing/index.ts';
import { type EventConsumer, isOutage, isPermanentFailure } from './event-consumer.ts';

export interface ConsumerRunnerOptions {
  prisma: Db;
  consumer: EventConsumer;
  metrics: PipelineMetrics;
  log?: (line: string) => void;
  /** Attempts at an event that keeps failing, before it goes to the dead-letter path. */
  maxAttempts?: number;
  /** First pause between attempts (doubles each time). */
  retryDelayMs?: number;
  /** Deliveries beyond this are dead-lettered unopened: the event may be crashing the consumer itself. */
  maxDeliveries?: number;
  /** How long an event waits for its booking's previous one, and how many times, before it is dead-lettered. */
  orderWaitMs?: number;
  maxOrderWaits?: number;
  /** Bookings worked on at the same time. */
  concurrency?: number;
  /** How often queued deliveries tell the transport they are still in hand (well under JetStream's ack wait). */
  keepAliveEveryMs?: number;
  /**
   * The process is stopping: an event that fails now is left unsettled (the broker delivers it again) instead of
   * being retried or dead-lettered; e.g. the API a load step calls has already closed.
   */
  signal?: AbortSignal;
}

/**
 * Runs one consumer over deliveries from the broker. Each booking has a lane (lane-scheduler.ts): its events are
 * applied one after another, in sequence; lanes of different bookings run side by side, so an event that keeps
 * failing holds up only its own booking while it is retried, and then goes to the dead-letter path with the reason.
 *
 * An attempt counts against the event only while the database answers: when PostgreSQL itself is down, every event
 * fails, and none of them is to blame; they are retried, with backoff, until it is back.
 */
/** A delivery waiting in its booking's lane, with the ordering attributes already read off it. */
type Queued = { delivery: Delivery; envelope: OrderedEnvelope };

export function createConsumerRunner(options: ConsumerRunnerOptions): DeliverySink & { consumer: EventConsumer } {
  const { prisma, consumer, metrics, log = () => {} } = options;
  const maxAttempts = options.maxAttempts ?? 5;
  const retryDelayMs = options.retryDelayMs ?? 200;
  // Waiting for a booking's earlier event also counts as a delivery: give up on order waits before the crash guard.
  const maxDeliveries = options.maxDeliveries ?? 20;
  const orderWaitMs = options.orderWaitMs ?? 1_000;
  const maxOrderWaits = Math.min(options.maxOrderWaits ?? 18, maxDeliveries - 1);
  const concurrency = options.concurrency ?? 8;
  const label = { consumer: consumer.name };

  // Deliveries wait in their lane (behind their booking's earlier events, or for a free slot): without a sign of
  // life the broker would deliver them again meanwhile, only for the inbox to discard the copy.
  let keepAliveTimer: NodeJS.Timeout | undefined;
  const lanes = createLaneScheduler<Queued>({
    concurrency,
    work: ({ delivery, envelope }) =>
      settleInOrder(delivery, envelope).catch((error: Error) => {
        // Only the dead-letter path itself can end here (the broker is down): leave it unacked, it comes back.
        log(`${consumer.name}: could not settle ${envelope.id}: ${error.message}; it will be redelivered`);
        delivery.redeliverLater(orderWaitMs);
      }),
    onBusyChange: (busy) => {
      clearInterval(keepAliveTimer);
      keepAliveTimer = undefined;
      if (!busy) return;
      keepAliveTimer = setInterval(() => {
        for (const { delivery } of lanes.held()) delivery.keepAlive();
      }, options.keepAliveEveryMs ?? 2_000);
      keepAliveTimer.unref();
    },
  });

  function settle(delivery: Delivery, outcome: ApplyOutcome | 'dead_lettered') {
    delivery.ack();
    metrics.consumerEvents.inc({ ...label, outcome });
    if (outcome === 'applied' || outcome === 'skipped') {
      metrics.consumerLag.observe(label, Math.max(0, (Date.now() - delivery.publishedAt.getTime()) / 1000));
    }
  }

  async function deadLetter(delivery: Delivery, envelope: OrderedEnvelope | undefined, reason: string) {
    log(`${consumer.name}: dead-lettering ${envelope ? `${envelope.type} ${envelope.id} (booking ${envelope.subject})` : 'a message'}: ${reason}`);
    await delivery.deadLetter(reason, envelope?.id);
    if (envelope) await recordDeadLetter(prisma, consumer, envelope, reason);
    settle(delivery, 'dead_lettered');
  }

  const databaseAnswers = () => prisma.$queryRaw`SELECT 1`.then(() => true, () => false);

  /**
   * One attempt at applying, as a consumer span in the event's trace: a child of the relay's publish span, named by
   * the CloudEvent's traceparent, so a booking reads as one tree from the HTTP request to the last consumer. What the
   * handler calls (status-updates reading the booking back from the API) continues it.
   */
  function tracedApply(envelope: OrderedEnvelope) {
    const parent = contextFromCarrier({ traceparent: stringOrUndefined(envelope.traceparent), tracestate: stringOrUndefined(envelope.tracestate) });
    const attributes = { 'messaging.system': 'nats', 'messaging.consumer.group.name': consumer.name, 'messaging.message.id': envelope.id, 'tripsaga.booking.id': envelope.subject };
    return inSpan(`${consumer.name} apply ${envelope.type}`, { kind: SpanKind.CONSUMER, parent, attributes }, async (span) => {
      const outcome = await applyEvent(prisma, consumer, readConsumedEvent(envelope), envelope);
      span.setAttribute('tripsaga.apply.outcome', outcome);
      return outcome;
    });
  }

  async function settleInOrder(delivery: Delivery, envelope: OrderedEnvelope): Promise<void> {
    if (delivery.deliveryCount > maxDeliveries) {
      return deadLetter(delivery, envelope, `delivered ${delivery.deliveryCount} times without being settled`);
    }
    for (let attempt = 1; ; ) {
      try {
        settle(delivery, await tracedApply(envelope));
        return;
      } catch (error) {
        if (error instanceof EventOutOfOrder) {
          if (delivery.deliveryCount >= maxOrderWaits) return deadLetter(delivery, envelope, `${error.message}, and it never came`);
          delivery.redeliverLater(orderWaitMs);
          return;
        }
        if (error instanceof EventDecodeError || error instanceof LateEvent || isPermanentFailure(error)) {
          return deadLetter(delivery, envelope, (error as Error).message);
        }
        metrics.consumerFailures.inc(label);
        const message = (error as Error).message;
        if (options.signal?.aborted) {
          log(`${consumer.name}: stopping; leaving ${envelope.type} ${envelope.id} for the next run (${message})`);
          return;
        }
        if (isOutage(error)) {
          log(`${consumer.name}: ${message}; retrying ${envelope.type} ${envelope.id} until it answers`);
        } else if (!(await databaseAnswers())) {
          log(`${consumer.name}: database unavailable (${message}); retrying ${envelope.type} ${envelope.id}`);
        } else if (attempt >= maxAttempts) {
          return deadLetter(delivery, envelope, `failed ${attempt} times, last: ${message}`);
        } else {
          attempt += 1;
        }
        await sleep(Math.min(retryDelayMs * 2 ** (attempt - 1), 30_000), undefined, { signal: options.signal }).catch(() => {});
      }
    }
  }

  return {
    name: consumer.name,
    consumer,

    /** Queues a delivery on its booking's lane. Undecodable messages go to the dead-letter path directly. */
    dispatch(delivery: Delivery): void {
      let envelope: OrderedEnvelope;
      try {
        envelope = readOrdering(delivery.body);
      } catch (error) {
        void deadLetter(delivery, undefined, (error as Error).message).catch((e: Error) => {
          log(`${consumer.name}: could not dead-letter an undecodable message: ${e.message}`);
          delivery.redeliverLater(orderWaitMs);
        });
        return;
      }
      lanes.push(envelope.subject, { delivery, envelope });
    },

    /** Resolves when every queued delivery has been worked on. */
    drained: () => lanes.drained(),
  };
}

export type ConsumerRunner = ReturnType<typeof createConsumerRunner>;

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
