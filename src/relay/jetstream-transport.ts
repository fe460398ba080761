import { type JetStreamClient, jetstream } from '@nats-io/jetstream';
import { headers, type NatsConnection } from '@nats-io/transport-node';
import type { Db } from '../db/prisma.ts';
import { forEachConcurrently } from '../lib/for-each-concurrently.ts';
import type { NatsTopology } from '../nats/topology.ts';
import { cloudEventContentType, toCloudEvent } from '../outbox/cloud-event.ts';
import { pendingOn } from './pending-events.ts';
import type { DeliveryReport, PendingEvent, RelayTransport } from './transport.ts';

export interface JetStreamTransportOptions {
  nc: NatsConnection;
  prisma: Db;
  topology: NatsTopology;
  /** How long to wait for the broker's ack of one event. */
  publishTimeoutMs?: number;
  /** Bookings published side by side (each booking's own events always one after another). */
  concurrency?: number;
}

/**
 * Publishes CloudEvents (structured mode) to JetStream, one subject per event type, with `Nats-Msg-Id` = event id so
 * the broker drops a re-sent event within its duplicate window. A booking's next event is sent only after the
 * previous one was acknowledged, so a failure can never let a later event overtake an earlier one.
 */
export function createJetStreamTransport(options: JetStreamTransportOptions): RelayTransport {
  const { nc, prisma, topology, publishTimeoutMs = 5_000, concurrency = 32 } = options;
  const js: JetStreamClient = jetstream(nc, { timeout: publishTimeoutMs });

  async function publish(event: PendingEvent): Promise<boolean> {
    const h = headers();
    h.set('content-type', cloudEventContentType);
    const ack = await js.publish(topology.subjectFor(event.type), JSON.stringify(toCloudEvent(event)), {
      msgID: event.id,
      headers: h,
      // Refuse to land anywhere but our stream (e.g. if someone bound our subjects to another one).
      expect: { streamName: topology.eventsStream },
      timeout: publishTimeoutMs,
    });
    return ack.duplicate;
  }

  return {
    name: 'jetstream',
    pendingCondition: pendingOn.jetstream,

    async deliver(bookings: PendingEvent[][]): Promise<DeliveryReport> {
      const report: DeliveryReport = { delivered: [], failures: [], duplicates: 0 };
      await forEachConcurrently(bookings, concurrency, async (events) => {
        for (const event of events) {
          try {
            if (await publish(event)) report.duplicates += 1;
            report.delivered.push({ event, ackedAt: new Date() });
          } catch (error) {
            report.failures.push({ bookingId: event.aggregateId, error: error as Error });
            return;
          }
        }
      });
      // Marked only now, after the acks. Dying before this line re-sends these events: the broker drops them.
      if (report.delivered.length > 0) {
        await prisma.outboxEvent.updateMany({
          where: { id: { in: report.delivered.map((d) => d.event.id) }, publishedAt: null },
          data: { publishedAt: new Date() },
        });
      }
      return report;
    },

    async close() {
      // The connection belongs to whoever opened it.
    },
  };
}
