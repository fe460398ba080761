import { z } from 'zod';

export type JsonSchema = Record<string, unknown>;

type Target = 'draft-2020-12' | 'draft-7';

/**
 * zod's JSON Schema in "input" mode (what a sender may send: objects stay open unless the schema is strict),
 * without the ±(2^53 - 1) bounds zod puts on every integer: JSON readers cannot rely on more anyway, and in
 * documentation they only look like data.
 */
export function jsonSchemaOptions(target: Target) {
  return {
    target,
    io: 'input' as const,
    override: ({ jsonSchema }: { jsonSchema: JsonSchema }) => {
      if (jsonSchema.type !== 'integer') return;
      if (jsonSchema.minimum === Number.MIN_SAFE_INTEGER) delete jsonSchema.minimum;
      if (jsonSchema.maximum === Number.MAX_SAFE_INTEGER) delete jsonSchema.maximum;
    },
  };
}

export function toJsonSchema(schema: z.ZodType, target: Target = 'draft-2020-12'): JsonSchema {
  return z.toJSONSchema(schema, jsonSchemaOptions(target)) as JsonSchema;
}
