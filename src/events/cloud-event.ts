import type { OutboxEvent } from '../generated/prisma/client.ts';
import { type CloudEvent, dataSchemaUri, eventSource } from './envelope.ts';

export { type CloudEvent, cloudEventContentType, dataSchemaUri, eventSource, subjectFor } from './envelope.ts';

export type OutboxRow = Pick<OutboxEvent, 'id' | 'type' | 'aggregateId' | 'sequence' | 'occurredAt' | 'schemaVersion' | 'data'> &
  Partial<Pick<OutboxEvent, 'traceparent' | 'tracestate'>>;

/**
 * An outbox row as it travels: the envelope (envelope.ts) around the data, at the version it was written in. A trace
 * context goes along as the CloudEvents distributed-tracing extension (`traceparent`, `tracestate`): the relay passes
 * the one of its publish span in place of the one stored with the row, which that span continues.
 */
export function toCloudEvent(row: OutboxRow): CloudEvent {
  return {
    ...(row.traceparent ? { traceparent: row.traceparent } : {}),
    ...(row.tracestate ? { tracestate: row.tracestate } : {}),
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
