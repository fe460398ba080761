import { type JetStreamClient, jetstream, type PubAck } from '@nats-io/jetstream';
import { headers, type NatsConnection } from '@nats-io/transport-node';
import { forEachConcurrently } from '../../lib/for-each-concurrently.ts';
import { cloudEventContentType, toCloudEvent } from '../../events/cloud-event.ts';
import { contextFromCarrier, inSpan, SpanKind, traceCarrierOfSpan } from '../../tracing/index.ts';
import type { EventPublisher, PendingEvent, PublishReport } from '../event-transport.ts';
import type { NatsTopology } from './topology.ts';

export interface JetStreamPublisherOptions {
  nc: NatsConnection;
  topology: NatsTopology;
  /** How long to wait for the broker's ack of one event. */
  publishTimeoutMs?: number;
  /**
   * Bookings published side by side (each booking's own events always one after another). The acks are what each lane
   * waits for, not CPU: 256 in flight on one connection is what JetStream needs to approach its own publish rate.
   */
  concurrency?: number;
}

/**
 * Publishes CloudEvents (structured mode) to JetStream, one subject per event type, with `Nats-Msg-Id` = event id so
 * the broker drops a re-sent event within its duplicate window. A booking's next event is sent only after the
 * previous one was acknowledged, so a failure can never let a later event overtake an earlier one.
 */
export function createJetStreamPublisher(options: JetStreamPublisherOptions): EventPublisher {
  const { nc, topology, publishTimeoutMs = 5_000, concurrency = 256 } = options;
  const js: JetStreamClient = jetstream(nc, { timeout: publishTimeoutMs });

  /**
   * One event, inside a producer span that continues the trace stored with its row. The span's context travels in
   * the CloudEvent (the distributed-tracing extension) and, for tools that read NATS headers, beside it. With tracing
   * off the span is the no-op one, and the row's own context passes through unchanged.
   */
  function publishOne(event: PendingEvent): Promise<PubAck> {
    const subject = topology.subjectFor(event.type);
    const attributes = { 'messaging.system': 'nats', 'messaging.destination.name': subject, 'messaging.message.id': event.id, 'tripsaga.booking.id': event.aggregateId };
    return inSpan(`publish ${event.type}`, { kind: SpanKind.PRODUCER, parent: contextFromCarrier(event), attributes }, async (span) => {
      const trace = traceCarrierOfSpan(span) ?? {};
      const h = headers();
      h.set('content-type', cloudEventContentType);
      if (trace.traceparent) h.set('traceparent', trace.traceparent);
      if (trace.tracestate) h.set('tracestate', trace.tracestate);
      const ack = await js.publish(subject, JSON.stringify(toCloudEvent({ ...event, ...trace })), {
        msgID: event.id,
        headers: h,
        // Refuse to land anywhere but our stream (e.g. if someone bound our subjects to another one).
        expect: { streamName: topology.eventsStream },
        timeout: publishTimeoutMs,
      });
      return ack;
    });
  }

  return {
    name: 'jetstream',

    async publish(bookings: PendingEvent[][]): Promise<PublishReport> {
      const report: PublishReport = { delivered: [], failures: [], duplicates: 0 };
      await forEachConcurrently(bookings, concurrency, async (events) => {
        for (const event of events) {
          try {
            // A duplicate's ack carries the sequence of the message the stream already holds for this id.
            const ack = await publishOne(event);
            if (ack.duplicate) report.duplicates += 1;
            report.delivered.push({ event, ackedAt: new Date(), streamSequence: ack.seq });
          } catch (error) {
            report.failures.push({ bookingId: event.aggregateId, error: error as Error });
            return;
          }
        }
      });
      return report;
    },
  };
}
