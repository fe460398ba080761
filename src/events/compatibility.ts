import type { JsonSchema } from './json-schema.ts';

/**
 * Who a schema change breaks. `old-readers`: consumers built on the earlier schema, reading events written with
 * the new one. `stored-events`: consumers built on the new schema, reading events already written with the old.
 */
export type Breaks = 'old-readers' | 'stored-events';

export interface Incompatibility {
  path: string;
  problem: string;
  breaks: Breaks;
}

/** Keywords that document but do not constrain. */
const annotations = new Set(['$schema', '$id', 'title', 'description', 'examples', 'default', 'deprecated', '$comment']);
const structural = new Set(['type', 'enum', 'const', 'properties', 'required', 'additionalProperties', 'items', 'anyOf', 'oneOf']);
const lowerBounds = new Set(['minimum', 'exclusiveMinimum', 'minLength', 'minItems', 'minProperties']);
const upperBounds = new Set(['maximum', 'exclusiveMaximum', 'maxLength', 'maxItems', 'maxProperties']);

/**
 * Every difference between two JSON Schemas (as zod emits them: no $ref) that would make some valid data of one
 * invalid under the other, with whom it breaks. Pure annotations (descriptions, titles) never count.
 */
export function incompatibilities(before: JsonSchema, after: JsonSchema): Incompatibility[] {
  const found: Incompatibility[] = [];
  compare(before, after, '(data)', found);
  return found;
}

function compare(before: JsonSchema, after: JsonSchema, path: string, found: Incompatibility[]) {
  const report = (breaks: Breaks, problem: string) => found.push({ path, problem, breaks });
  if ('$ref' in before || '$ref' in after) throw new Error(`${path}: $ref is not supported by the compatibility check`);

  const typesBefore = typeSet(before);
  const typesAfter = typeSet(after);
  for (const t of typesAfter) if (!typesBefore.has(t) && !typesBefore.has('any')) report('old-readers', `may now be ${t}`);
  for (const t of typesBefore) if (!typesAfter.has(t) && !typesAfter.has('any')) report('stored-events', `can no longer be ${t}`);

  const valuesBefore = allowedValues(before);
  const valuesAfter = allowedValues(after);
  if (valuesBefore && valuesAfter) {
    const added = [...valuesAfter].filter((v) => !valuesBefore.has(v));
    const removed = [...valuesBefore].filter((v) => !valuesAfter.has(v));
    if (added.length > 0) report('old-readers', `value(s) added: ${added.join(', ')}`);
    if (removed.length > 0) report('stored-events', `value(s) removed: ${removed.join(', ')}`);
  } else if (valuesBefore) {
    report('old-readers', 'is no longer limited to fixed values');
  } else if (valuesAfter) {
    report('stored-events', `is now limited to ${[...valuesAfter].join(', ')}`);
  }

  compareObjects(before, after, path, found);

  if (isSchema(before.items) && isSchema(after.items)) compare(before.items, after.items, `${path}[]`, found);
  else if (isSchema(before.items) !== isSchema(after.items))
    report(isSchema(after.items) ? 'stored-events' : 'old-readers', 'items changed');

  for (const keyword of ['anyOf', 'oneOf'] as const) {
    const a = before[keyword];
    const b = after[keyword];
    if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
      a.forEach((branch, i) => compare(branch as JsonSchema, b[i] as JsonSchema, `${path}<${keyword}[${i}]>`, found));
    } else if (a !== undefined || b !== undefined) {
      if (JSON.stringify(a) !== JSON.stringify(b)) {
        report('old-readers', `${keyword} alternatives changed`);
        report('stored-events', `${keyword} alternatives changed`);
      }
    }
  }

  for (const keyword of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (annotations.has(keyword) || structural.has(keyword)) continue;
    const a = before[keyword];
    const b = after[keyword];
    if (JSON.stringify(a) === JSON.stringify(b)) continue;
    const change = `${keyword} changed from ${show(a)} to ${show(b)}`;
    if (typeof a === 'number' && typeof b === 'number' && lowerBounds.has(keyword)) report(b > a ? 'stored-events' : 'old-readers', change);
    else if (typeof a === 'number' && typeof b === 'number' && upperBounds.has(keyword))
      report(b < a ? 'stored-events' : 'old-readers', change);
    else if (a === undefined) report('stored-events', change);
    else if (b === undefined) report('old-readers', change);
    else {
      report('old-readers', change);
      report('stored-events', change);
    }
  }
}

function compareObjects(before: JsonSchema, after: JsonSchema, path: string, found: Incompatibility[]) {
  const propsBefore = (before.properties ?? {}) as Record<string, JsonSchema>;
  const propsAfter = (after.properties ?? {}) as Record<string, JsonSchema>;
  const requiredBefore = new Set((before.required ?? []) as string[]);
  const requiredAfter = new Set((after.required ?? []) as string[]);
  const closedBefore = before.additionalProperties === false;
  const closedAfter = after.additionalProperties === false;
  const at = (name: string) => (path === '(data)' ? name : `${path}.${name}`);
  const report = (name: string, breaks: Breaks, problem: string) => found.push({ path: at(name), problem, breaks });

  for (const [name, schema] of Object.entries(propsBefore)) {
    const next = propsAfter[name];
    if (!next) {
      if (requiredBefore.has(name)) report(name, 'old-readers', 'required field removed');
      if (closedAfter) report(name, 'stored-events', 'field removed where no other fields are allowed');
      continue;
    }
    if (requiredBefore.has(name) && !requiredAfter.has(name)) report(name, 'old-readers', 'is no longer required');
    if (!requiredBefore.has(name) && requiredAfter.has(name)) report(name, 'stored-events', 'became required');
    compare(schema, next, at(name), found);
  }
  for (const name of Object.keys(propsAfter)) {
    if (propsBefore[name]) continue;
    if (requiredAfter.has(name)) report(name, 'stored-events', 'new required field: events already written do not have it');
    if (closedBefore) report(name, 'old-readers', 'field added where old readers allow no other fields');
  }
  if (closedAfter && !closedBefore) found.push({ path, problem: 'no longer allows other fields', breaks: 'stored-events' });
  if (closedBefore && !closedAfter) found.push({ path, problem: 'now allows other fields', breaks: 'old-readers' });
}

function typeSet(schema: JsonSchema): Set<string> {
  const type = schema.type;
  if (type === undefined) return new Set(['any']);
  const types = new Set(Array.isArray(type) ? (type as string[]) : [type as string]);
  // Every integer is a number: narrowing number to integer is caught as "can no longer be number".
  if (types.has('number')) types.add('integer');
  return types;
}

function allowedValues(schema: JsonSchema): Set<string> | undefined {
  if ('const' in schema) return new Set([JSON.stringify(schema.const)]);
  if (Array.isArray(schema.enum)) return new Set(schema.enum.map((v) => JSON.stringify(v)));
  return undefined;
}

function isSchema(value: unknown): value is JsonSchema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function show(value: unknown): string {
  return value === undefined ? '(none)' : JSON.stringify(value);
}
