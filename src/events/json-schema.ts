import { type JsonSchema, toJsonSchema } from '../lib/json-schema.ts';
import { dataSchemaUri } from './envelope.ts';
import type { EventDefinition } from './define-event.ts';

export type { JsonSchema };

/**
 * The JSON Schema of one version of an event's data, with `$id` = the CloudEvent's `dataschema`. Generated in
 * "input" mode, so objects stay open (no `additionalProperties: false`): a reader validating with this file
 * accepts fields added later, as a tolerant reader should.
 */
export function eventDataJsonSchema(
  definition: EventDefinition,
  version: number,
  target: 'draft-2020-12' | 'draft-7' = 'draft-2020-12',
): JsonSchema {
  const schema = definition.schemaOf(version);
  if (!schema) throw new Error(`${definition.type} has no v${version}`);
  const { $schema, ...body } = toJsonSchema(schema, target);
  return {
    $schema,
    $id: dataSchemaUri(definition.type, version),
    title: `${definition.type} v${version}`,
    ...body,
  };
}
