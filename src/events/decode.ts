import type { z } from 'zod';
import { aggregateTypeOf, type EventType } from './event-types.ts';
import { type AnyEventCatalog, type DecodedData, eventCatalog } from './catalog.ts';
import type { EventDefinition } from './define-event.ts';
import { EventDecodeError, type RejectedEventFacts } from './decode-error.ts';
import { cloudEventEnvelopeSchema, parseDataSchemaUri, parseJsonObject } from './envelope.ts';

interface DecodedEventBase {
  /** CloudEvent id (the outbox row id): the key for inbox dedupe. */
  id: string;
  source: string;
  /** The booking id. */
  subject: string;
  time: string;
  /** The version `data` is in: the newest this consumer knows. */
  version: number;
  /** The version the producer wrote; older ones were upcast, newer ones read as `version`. */
  writtenVersion: number;
}

/** A decoded event of the real catalog, narrowed by `type`. */
export type DecodedEvent<T extends EventType = EventType> = T extends EventType
  ? DecodedEventBase & { type: T; data: DecodedData<T> }
  : never;

/** What a decoder over some other catalog (an older one, in tests) returns. */
export type UntypedDecodedEvent = DecodedEventBase & { type: string; data: unknown };

/**
 * Reads a tripsaga CloudEvent from a message body (bytes), a JSON string or an already parsed object: checks the
 * envelope, finds the schema for (type, version), validates the data, and upcasts it to the newest version this
 * decoder knows. Unknown fields are ignored (dropped), so producers can add fields without breaking anyone.
 * Anything it cannot read is an EventDecodeError with the reason; it throws nothing else.
 */
export function createEventDecoder(catalog: AnyEventCatalog) {
  return function decode(message: unknown): UntypedDecodedEvent {
    const envelope = parseEnvelope(parseJsonObject(message));
    const declared = parseDataSchemaUri(envelope.dataschema);
    const facts: RejectedEventFacts = { id: envelope.id, type: envelope.type, subject: envelope.subject, version: declared?.version };
    if (!declared || declared.type !== envelope.type) {
      throw new EventDecodeError('invalid-envelope', `dataschema ${envelope.dataschema} does not name type ${envelope.type}`, facts);
    }
    const definition = catalog[envelope.type];
    if (!definition) {
      throw new EventDecodeError('unknown-type', `no schema for event type ${envelope.type}`, facts);
    }
    const written = declared.version;
    const data =
      written > definition.latestVersion
        ? readNewer(definition, envelope.data, written, facts)
        : readAndUpcast(definition, envelope.data, written, facts);
    // A wallet's events name the booking they paid for, but their subject is the wallet (its stream id).
    const dataBookingId = (data as { bookingId?: unknown }).bookingId;
    if (aggregateTypeOf(envelope.type) === 'booking' && dataBookingId !== undefined && dataBookingId !== envelope.subject) {
      throw new EventDecodeError('invalid-data', `data.bookingId ${String(dataBookingId)} differs from the subject ${envelope.subject}`, facts);
    }
    const { id, source, subject, time, type } = envelope;
    return { id, source, subject, time, type, version: definition.latestVersion, writtenVersion: written, data };
  };
}

/** A version this consumer knows: validated against it, then upcast one version at a time to the newest. */
function readAndUpcast(definition: EventDefinition, raw: unknown, written: number, facts: RejectedEventFacts): unknown {
  const read = definition.schemaOf(written)!.safeParse(raw);
  if (!read.success) {
    throw new EventDecodeError(
      'invalid-data',
      `${definition.type} data does not match its schema v${written}`,
      facts,
      issuesOf(read.error),
    );
  }
  let data = read.data;
  for (const step of definition.versions.slice(written)) {
    const upcast = step.schema.safeParse(safely(() => step.upcast!(data), facts, step.version));
    if (!upcast.success) {
      throw new EventDecodeError(
        'invalid-data',
        `${definition.type} v${step.version - 1} could not be upcast to v${step.version}`,
        facts,
        issuesOf(upcast.error),
      );
    }
    data = upcast.data;
  }
  return data;
}

/**
 * A version newer than this consumer knows: readable as the newest it knows if it only added fields (CI makes every
 * version that does more declare itself breaking, and field names never change meaning).
 */
function readNewer(definition: EventDefinition, raw: unknown, written: number, facts: RejectedEventFacts): unknown {
  const newest = definition.latestVersion;
  const read = definition.latestSchema.safeParse(raw);
  if (!read.success) {
    throw new EventDecodeError(
      'unknown-version',
      `${definition.type} v${written} is newer than the newest version this consumer knows (v${newest}), and its data does not fit v${newest}`,
      facts,
      issuesOf(read.error),
    );
  }
  return read.data;
}

const decodeWithCatalog = createEventDecoder(eventCatalog);

/**
 * The data of one stored event (an event-store row: type, the version it was written in, data), validated and upcast
 * to the newest version, exactly as decodeEvent reads a published one. Throws EventDecodeError.
 */
export function decodeStoredData<T extends EventType>(type: T, writtenVersion: number, data: unknown): DecodedData<T> {
  const definition = eventCatalog[type] as EventDefinition;
  const facts: RejectedEventFacts = { type, version: writtenVersion };
  if (!definition.schemaOf(writtenVersion)) throw new EventDecodeError('unknown-version', `${type} has no v${writtenVersion}`, facts);
  return readAndUpcast(definition, data, writtenVersion, facts) as DecodedData<T>;
}

/** Decodes with the real catalog; narrow the result with `event.type`. */
export function decodeEvent(message: unknown): DecodedEvent {
  return decodeWithCatalog(message) as DecodedEvent;
}

function parseEnvelope(candidate: object) {
  const facts = factsOf(candidate);
  const parsed = cloudEventEnvelopeSchema.safeParse(candidate);
  if (!parsed.success) {
    throw new EventDecodeError(
      'invalid-envelope',
      'not a CloudEvents 1.0 structured event as tripsaga writes them',
      facts,
      issuesOf(parsed.error),
    );
  }
  if (!('data' in candidate) || parsed.data.data === undefined) {
    throw new EventDecodeError('invalid-envelope', 'the event has no data (data_base64 is not used by tripsaga)', facts);
  }
  return parsed.data;
}

/** Whatever identifies the event, even from an envelope that failed validation, for the dead-letter record. */
function factsOf(candidate: object): RejectedEventFacts {
  const { id, type, subject } = candidate as Record<string, unknown>;
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  return { id: text(id), type: text(type), subject: text(subject) };
}

function safely(upcast: () => unknown, facts: RejectedEventFacts, toVersion: number) {
  try {
    return upcast();
  } catch (error) {
    throw new EventDecodeError('invalid-data', `${facts.type} could not be upcast to v${toVersion}: ${(error as Error).message}`, facts);
  }
}

function issuesOf(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`);
}
