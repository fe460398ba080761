import { z } from 'zod';
import { dataSchemaUri } from '../outbox/cloud-event.ts';

const dataSchemaPattern = /^urn:tripsaga:schema:(.+):v([1-9][0-9]*)$/;

/**
 * The CloudEvents 1.0 attributes a tripsaga event must carry, in structured mode (the whole event is the JSON
 * message body). `subject` is required here, though optional in CloudEvents: it is the booking id (or, for a
 * wallet's events, the wallet's stream id), the unit of ordering. Extension attributes are allowed and ignored.
 */
export const cloudEventEnvelopeSchema = z.object({
  specversion: z.literal('1.0'),
  id: z.string().min(1).describe('the outbox row id: the same on every re-publication, so duplicates can be dropped'),
  source: z.string().min(1),
  type: z.string().min(1).describe('reverse-DNS event type, e.g. com.tripsaga.booking.confirmed'),
  subject: z.string().min(1).describe("the booking id (a wallet's own events: the wallet's stream id), the unit of ordering"),
  time: z.iso.datetime({ offset: true }),
  datacontenttype: z.literal('application/json').optional().describe('absent means application/json, as in CloudEvents'),
  dataschema: z.string().regex(dataSchemaPattern, 'must be urn:tripsaga:schema:<type>:v<version>'),
  data: z.unknown(),
});

export type CloudEventEnvelope = z.infer<typeof cloudEventEnvelopeSchema>;

/** `urn:tripsaga:schema:com.tripsaga.booking.confirmed:v2` -> { type, version: 2 }. */
export function parseDataSchemaUri(uri: string): { type: string; version: number } | undefined {
  const match = dataSchemaPattern.exec(uri);
  if (!match) return undefined;
  const [, type, version] = match;
  const parsed = { type: type!, version: Number(version) };
  return dataSchemaUri(parsed.type, parsed.version) === uri ? parsed : undefined;
}
