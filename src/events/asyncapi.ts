import { toJsonSchema } from '../lib/json-schema.ts';
import { appVersion } from '../lib/app-version.ts';
import { type AnyEventCatalog, eventCatalog } from './catalog.ts';
import { cloudEventContentType, cloudEventEnvelopeSchema, dataSchemaUri, eventSource, subjectFor } from './envelope.ts';
import { eventDataJsonSchema } from './json-schema.ts';

/** `com.tripsaga.booking.status-changed` + 1 -> `booking.status-changed.v1`, a valid AsyncAPI component key. */
const messageKey = (type: string, version: number) => `${type.replace(/^com\.tripsaga\./, '')}.v${version}`;

const styleNote = {
  notification: 'Event notification: ids only; read the booking from the HTTP API.',
  'state-transfer': 'Event-carried state transfer: everything a consumer needs; no call back.',
  fact: 'A fact about one step, with its details.',
} as const;

/**
 * The AsyncAPI 3.0 document of what the booking service publishes: one NATS channel per event type, one message per
 * version (the relay publishes stored events with the version they were written in). Generated from the catalog,
 * so it cannot drift from what producers validate against. Schemas are draft-07, AsyncAPI's default schema format.
 */
export function buildAsyncApiDocument(catalog: AnyEventCatalog = eventCatalog, version = appVersion) {
  const envelope = toJsonSchema(cloudEventEnvelopeSchema, 'draft-7') as {
    properties: Record<string, unknown>;
    required: string[];
  };
  const channels: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  const messages: Record<string, unknown> = {};
  const schemas: Record<string, unknown> = {};

  for (const definition of Object.values(catalog)) {
    const channelKey = definition.type.replace(/^com\.tripsaga\./, '');
    const channelMessages: Record<string, unknown> = {};
    for (const { version: v, breaking } of definition.versions) {
      const key = messageKey(definition.type, v);
      const { $schema: _, $id: __, ...data } = eventDataJsonSchema(definition, v, 'draft-7');
      schemas[key] = data;
      const newest = v === definition.latestVersion;
      messages[key] = {
        name: definition.type,
        title: `${definition.type} v${v}`,
        summary: definition.summary,
        description: [
          styleNote[definition.style],
          newest ? 'Producers write this version.' : `Older version: still carried by events stored before v${v + 1}; readers upcast it.`,
          breaking ? `Breaking for readers of v${v - 1}: ${breaking}.` : undefined,
        ]
          .filter(Boolean)
          .join(' '),
        contentType: cloudEventContentType,
        payload: {
          type: 'object',
          description: 'A CloudEvents 1.0 event in structured mode: the envelope and the data in one JSON document.',
          properties: {
            ...envelope.properties,
            source: { type: 'string', const: eventSource },
            type: { type: 'string', const: definition.type },
            dataschema: { type: 'string', const: dataSchemaUri(definition.type, v) },
            data: { $ref: `#/components/schemas/${key}` },
          },
          required: [...envelope.required.filter((name) => name !== 'data'), 'data'],
        },
        'x-event-style': definition.style,
      };
      channelMessages[key] = { $ref: `#/components/messages/${key}` };
    }
    channels[channelKey] = {
      address: subjectFor(definition.type),
      title: definition.type,
      description: definition.summary,
      messages: channelMessages,
    };
    operations[`publish.${channelKey}`] = {
      action: 'send',
      title: `Publish ${definition.type}`,
      summary: `The outbox relay publishes ${definition.type}, in commit order per booking.`,
      channel: { $ref: `#/channels/${channelKey}` },
      messages: Object.keys(channelMessages).map((key) => ({ $ref: `#/channels/${channelKey}/messages/${key}` })),
    };
  }

  return {
    asyncapi: '3.0.0',
    info: {
      title: 'tripsaga booking events',
      version,
      description:
        'Events the booking service publishes through its transactional outbox, as CloudEvents 1.0 in structured mode ' +
        '(content type application/cloudevents+json) on NATS JetStream. `dataschema` names the data version ' +
        '(urn:tripsaga:schema:<type>:v<N>); readers ignore unknown fields and upcast older versions.',
    },
    defaultContentType: cloudEventContentType,
    servers: {
      nats: { host: 'localhost:4222', protocol: 'nats', description: 'NATS with JetStream; events are on tripsaga.events.>' },
    },
    channels,
    operations,
    components: { messages, schemas },
  };
}
