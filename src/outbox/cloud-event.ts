import type { OutboxEvent } from '../generated/prisma/client.ts';

/**
 * How an outbox row travels: a CloudEvents 1.0 event in *structured* mode (the whole envelope is the JSON message
 * body, `content-type: application/cloudevents+json`), so a consumer on any transport reads the same document.
 */
export interface CloudEvent<Data = unknown> {
  specversion: '1.0';
  /** The outbox row's id: stable across re-publication, so brokers and inboxes can drop duplicates. */
  id: string;
  source: string;
  /** Reverse-DNS event type, e.g. `com.tripsaga.booking.confirmed`. */
  type: string;
  /** The booking id: the unit of ordering. */
  subject: string;
  /**
   * Extension attribute: the event's number within its booking (1, 2, 3... without gaps). A consumer applies event
   * n + 1 of a booking only after event n, whatever order the transport delivers them in.
   */
  bookingsequence: number;
  time: string;
  datacontenttype: 'application/json';
  /** The JSON Schema of `data` at the version the producer wrote. */
  dataschema: string;
  data: Data;
}

export const eventSource = 'urn:tripsaga:booking-service';
export const cloudEventContentType = 'application/cloudevents+json';

export function dataSchemaUri(type: string, version: number): string {
  return `urn:tripsaga:schema:${type}:v${version}`;
}

/**
 * NATS subject per event type: `com.tripsaga.booking.confirmed` -> `tripsaga.events.booking.confirmed`.
 * `root` lets several deployments (or test runs) share one NATS server without sharing subjects.
 */
export function subjectFor(type: string, root = 'tripsaga'): string {
  return `${root}.events.${type.replace(/^com\.tripsaga\./, '')}`;
}

export type OutboxRow = Pick<OutboxEvent, 'id' | 'type' | 'aggregateId' | 'sequence' | 'occurredAt' | 'schemaVersion' | 'data'>;

export function toCloudEvent(row: OutboxRow): CloudEvent {
  return {
    specversion: '1.0',
    id: row.id,
    source: eventSource,
    type: row.type,
    subject: row.aggregateId,
    bookingsequence: row.sequence,
    time: row.occurredAt.toISOString(),
    datacontenttype: 'application/json',
    dataschema: dataSchemaUri(row.type, row.schemaVersion),
    data: row.data,
  };
}
