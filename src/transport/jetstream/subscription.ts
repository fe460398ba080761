import { AckPolicy, DeliverPolicy, type JetStreamClient, type JetStreamManager, type JsMsg, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { headers, nanos, type NatsConnection } from '@nats-io/transport-node';
import type { PipelineMetrics } from '../../metrics/pipeline-metrics.ts';
import { cloudEventContentType } from '../../events/cloud-event.ts';
import type { Delivery, DeliverySink } from '../event-transport.ts';
import { ensureStreams, isNotFound, type NatsTopology } from './topology.ts';

export interface JetStreamSubscriptionOptions {
  nc: NatsConnection;
  topology: NatsTopology;
  sink: DeliverySink;
  metrics: PipelineMetrics;
  signal: AbortSignal;
  /**
   * How long the broker waits for an ack before redelivering: also how long an ack lost with a dropped connection
   * takes to come back as a redelivery (the inbox then absorbs it). The sink keeps long retries alive.
   */
  ackWaitMs?: number;
}

/**
 * Feeds a consumer from its durable JetStream consumer (named after it) over every event subject. Messages are
 * acked only once their effect and inbox row have committed; anything unacked comes back, and the inbox absorbs it.
 */
export async function consumeFromJetStream(options: JetStreamSubscriptionOptions): Promise<void> {
  const { nc, topology, sink, metrics, signal, ackWaitMs = 10_000 } = options;
  const name = sink.name;
  const jsm = await jetstreamManager(nc);
  await ensureStreams(jsm, topology);
  await ensureDurableConsumer(jsm, topology, name, ackWaitMs);
  const js = jetstream(nc);
  const consumer = await js.consumers.get(topology.eventsStream, name);
  metrics.probeConsumer(name, async () => {
    const info = await consumer.info();
    return info.num_pending + info.num_ack_pending;
  });

  const messages = await consumer.consume({ max_messages: 128 });
  const stop = () => void messages.stop();
  signal.addEventListener('abort', stop, { once: true });
  try {
    for await (const message of messages) sink.dispatch(deliveryOf(message, js, topology, name));
  } finally {
    signal.removeEventListener('abort', stop);
    await sink.drained();
  }
}

async function ensureDurableConsumer(jsm: JetStreamManager, topology: NatsTopology, name: string, ackWaitMs: number) {
  try {
    await jsm.consumers.info(topology.eventsStream, name);
    return;
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  await jsm.consumers.add(topology.eventsStream, {
    durable_name: name,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    filter_subject: topology.eventsSubjects,
    ack_wait: nanos(ackWaitMs),
    // Unlimited: the runner decides when an event is poison (it knows a failure from a wait for an earlier event).
    max_deliver: -1,
    max_ack_pending: 1_000,
  });
}

function deliveryOf(message: JsMsg, js: JetStreamClient, topology: NatsTopology, consumer: string): Delivery {
  let deadLetterReason: string | undefined;
  return {
    body: message.data,
    deliveryCount: message.info.deliveryCount,
    publishedAt: message.time,
    ack: () => (deadLetterReason === undefined ? message.ack() : message.term(deadLetterReason.slice(0, 500))),
    redeliverLater: (delayMs) => message.nak(delayMs),
    keepAlive: () => message.working(),
    async deadLetter(reason, eventId) {
      const h = headers();
      h.set('content-type', cloudEventContentType);
      h.set('Tripsaga-Dead-Letter-Reason', reason.replace(/[\r\n]+/g, ' ').slice(0, 2_000));
      h.set('Tripsaga-Consumer', consumer);
      h.set('Tripsaga-Original-Subject', message.subject);
      h.set('Tripsaga-Original-Stream-Sequence', String(message.seq));
      h.set('Tripsaga-Delivery-Count', String(message.info.deliveryCount));
      await js.publish(topology.deadLetterSubject(consumer), message.data, {
        msgID: `${consumer}:${eventId ?? `seq-${message.seq}`}`,
        headers: h,
        expect: { streamName: topology.deadLetterStream },
      });
      deadLetterReason = reason;
    },
  };
}
