import { randomUUID } from 'node:crypto';
import type { JetStreamClient } from '@nats-io/jetstream';
import { type EventData, eventCatalog } from '../../src/events/catalog.ts';
import { toCloudEvent } from '../../src/events/cloud-event.ts';
import type { EventType } from '../../src/events/event-types.ts';
import type { NatsTopology } from '../../src/transport/jetstream/topology.ts';

/** One event as the naive code announces it: straight to the broker, never written down. */
export interface AnnouncedEvent<T extends EventType = EventType> {
  aggregateId: string;
  sequence: number;
  type: T;
  data: EventData<T>;
  occurredAt: Date;
}

export type AnyAnnouncedEvent = { [T in EventType]: AnnouncedEvent<T> }[EventType];

/**
 * THE ANTI-PATTERN, on purpose: events published to JetStream after the transaction committed, with no outbox. A
 * crash between the commit and the publish loses the event for good; a publish that fails is logged and dropped;
 * no message id, so a retried step publishes its event twice. Bench-only: it exists to price what the outbox saves.
 */
export function createAfterCommitPublisher(js: JetStreamClient, topology: NatsTopology, log: (line: string) => void) {
  let lost = 0;
  return {
    get lost() {
      return lost;
    },
    async publish(events: readonly AnyAnnouncedEvent[]): Promise<void> {
      for (const event of events) {
        const definition = eventCatalog[event.type];
        const cloudEvent = toCloudEvent({
          id: randomUUID(),
          type: event.type,
          aggregateId: event.aggregateId,
          sequence: event.sequence,
          occurredAt: event.occurredAt,
          schemaVersion: definition.latestVersion,
          data: definition.latestSchema.parse(event.data),
        });
        try {
          await js.publish(topology.subjectFor(event.type), JSON.stringify(cloudEvent));
        } catch (error) {
          lost += 1;
          log(`event ${event.type} of ${event.aggregateId} lost: ${(error as Error).message}`);
        }
      }
    },
  };
}

export type AfterCommitPublisher = ReturnType<typeof createAfterCommitPublisher>;
