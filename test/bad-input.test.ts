import fc from 'fast-check';
import pg from 'pg';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOpenApiDocument } from '../src/api/openapi.ts';
import { type Harness, startHarness } from './support/harness.ts';
import { createOwnDatabase } from './support/own-database.ts';

// Every route of the OpenAPI document, driven with generated bad input of every shape: a 5xx, a stack trace, or a
// 4xx that wrote anything (a row in any table, the outbox included) fails the run. The seed is printed on failure;
// pass it back with `FC_SEED=<seed>` to replay the same cases.
type JsonSchema = {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  format?: string;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  anyOf?: JsonSchema[];
  additionalProperties?: JsonSchema | boolean;
};
type Operation = {
  method: 'get' | 'post' | 'delete';
  template: string;
  pathParameters: string[];
  body?: JsonSchema;
  bodyRequired: boolean;
  idempotencyKey: boolean;
};

const document = buildOpenApiDocument();
const schemas = document.components.schemas as Record<string, JsonSchema>;
const resolve = (schema: JsonSchema): JsonSchema => (schema.$ref ? resolve(schemas[schema.$ref.split('/').pop()!]!) : schema);

/** Documentation and probes take no input worth generating; everything else is driven. */
const skipped = new Set(['/openapi.json', '/asyncapi.json', '/docs', '/metrics', '/healthz', '/readyz']);
const operations: Operation[] = Object.entries(document.paths as Record<string, Record<string, any>>)
  .filter(([template]) => !skipped.has(template))
  .flatMap(([template, methods]) =>
    Object.entries(methods).map(([method, op]) => ({
      method: method as Operation['method'],
      template,
      pathParameters: (op.parameters ?? []).filter((p: any) => p.in === 'path').map((p: any) => p.name as string),
      body: op.requestBody?.content?.['application/json']?.schema,
      bodyRequired: Boolean(op.requestBody?.required),
      idempotencyKey: (op.parameters ?? []).some((p: any) => p.name === 'Idempotency-Key'),
    })),
  );

// Strings that have broken an API before: control characters, lone surrogates, bidi overrides, noncharacters, huge.
const nastyString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('\u0000', 'Ada\u0000', '\ud800', 'Ada\udfff', '\u202eadA', '\u2066x\u2069', 'a\u2028b', '\uffff', '\t', 'Ada\n', ' ', ''),
  fc.constantFrom('__proto__', 'constructor', 'prototype', '{"a":1}', "'; DROP TABLE bookings; --", '../../etc/passwd', '%00', '%ff'),
  fc.string({ minLength: 250, maxLength: 400 }).map((s) => `${s}@example.com`),
);
/** Past every length limit, and past the 16 KiB body limit once in a body. */
const hugeString = fc.integer({ min: 1_000, max: 20_000 }).map((n) => 'x'.repeat(n));
const nastyNumber = fc.oneof(
  fc.constantFrom(0, -1, -0, 1.5, 2 ** 31, 2 ** 53 + 1, Number.MAX_VALUE, -Number.MAX_VALUE, 1e21),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
);
const anyJson: fc.Arbitrary<unknown> = fc.oneof(nastyString, hugeString, nastyNumber, fc.boolean(), fc.constant(null), fc.array(fc.integer(), { maxLength: 3 }), fc.object({ maxDepth: 1 }));

/** A value that fits the schema (as far as this subset of JSON Schema goes), from which mutations start. */
function valid(schema: JsonSchema, ids: Record<string, string[]>): fc.Arbitrary<unknown> {
  const s = resolve(schema);
  if (s.anyOf) return fc.oneof(...s.anyOf.filter((a) => a.type !== 'null').map((a) => valid(a, ids)));
  if (s.const !== undefined) return fc.constant(s.const);
  if (s.enum) return fc.constantFrom(...s.enum);
  const type = Array.isArray(s.type) ? s.type.find((t) => t !== 'null') : s.type;
  switch (type) {
    case 'object': {
      const properties = s.properties ?? {};
      const record = Object.fromEntries(Object.entries(properties).map(([key, value]) => [key, valid(value, ids)]));
      return fc.record(record, { requiredKeys: (s.required ?? []).filter((k) => k in properties) });
    }
    case 'array':
      return fc.array(valid(s.items ?? {}, ids), { maxLength: 2 });
    case 'integer':
      return fc.integer({ min: s.minimum ?? 0, max: Math.min(s.maximum ?? 1_000, 1_000) });
    case 'number':
      return fc.double({ min: s.minimum ?? 0, max: s.maximum ?? 1_000, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'string':
      if (s.format === 'uuid') return fc.oneof(fc.uuid(), ...(Object.values(ids).flat().length ? [fc.constantFrom(...Object.values(ids).flat())] : []));
      // zod's email pattern is stricter than RFC 5322 (fc.emailAddress): generate from the documented pattern.
      if (s.format === 'email') return fc.stringMatching(new RegExp(s.pattern!)).filter((e) => e.length <= 254 && e.indexOf('@') <= 64);
      if (s.pattern) return fc.stringMatching(new RegExp(s.pattern)).filter((v) => v.length >= (s.minLength ?? 0) && v.length <= (s.maxLength ?? 255));
      return fc.string({ minLength: Math.max(1, s.minLength ?? 1), maxLength: Math.min(s.maxLength ?? 20, 20) }).filter((v) => v.trim().length > 0);
    default:
      return anyJson;
  }
}

/** Paths to every value inside a JSON value, for mutations that reach deep. */
function leafPaths(value: unknown, prefix: string[] = []): string[][] {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const entries = Object.entries(value as Record<string, unknown>);
    return [prefix, ...entries.flatMap(([k, v]) => leafPaths(v, [...prefix, k]))];
  }
  return [prefix];
}

function mutate(value: unknown, path: string[], change: (old: unknown) => unknown): unknown {
  if (path.length === 0) return change(value);
  const copy = { ...(value as Record<string, unknown>) };
  const [head, ...rest] = path as [string, ...string[]];
  copy[head] = mutate(copy[head], rest, change);
  if (copy[head] === undefined) delete copy[head];
  return copy;
}

/** A body the schema allows, then bent one way: a field of the wrong type or value, one missing, one extra. */
const mutatedBody = (schema: JsonSchema, ids: Record<string, string[]>) =>
  valid(schema, ids).chain((base) =>
    fc.oneof(
      fc.constant(base),
      fc.constantFrom(...leafPaths(base)).chain((path) =>
        fc.oneof(
          anyJson.map((replacement) => mutate(base, path, () => replacement)),
          fc.constant(path.length > 0 ? mutate(base, path, () => undefined) : {}),
          fc
            .tuple(fc.constantFrom('__proto__', 'constructor', 'extra', 'prototype'), anyJson)
            .map(([key, extra]) => mutate(base, path, (old) => (old && typeof old === 'object' ? { ...old, [key]: extra } : { [key]: extra }))),
        ),
      ),
    ),
  );

/** Raw bodies no JSON encoder would produce: broken JSON, bytes that are not UTF-8, a body past the limit. */
const rawBody = fc.oneof(
  fc.constantFrom('{', '{"traveler":', '[1,2', 'null', '"string"', '{"a":1}}', '\u0000', '{"__proto__":{"polluted":true}}').map((s) => Buffer.from(s)),
  fc.constantFrom([0xff], [0xc3, 0x28], [0xed, 0xa0, 0x80], [0xc0, 0xaf], [0xf8, 0x88, 0x80, 0x80, 0x80]).map((bytes) =>
    Buffer.concat([Buffer.from('{"traveler":{"name":"'), Buffer.from(bytes), Buffer.from('","email":"a@b.co"}}')]),
  ),
  fc.integer({ min: 16_500, max: 40_000 }).map((size) => Buffer.from(JSON.stringify({ name: 'x'.repeat(size) }))),
);
const contentType = fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', 'application/xml');

/** A path parameter: well-formed or not, percent-encoded or not (`%ff` and a lone `%` are not valid UTF-8 escapes). */
const pathParameter = fc.oneof(
  nastyString.filter((s) => s.length > 0 && !/\p{Cs}/u.test(s)).map((s) => encodeURIComponent(s)),
  fc.constantFrom('%00', '%ff', '%', '%zz', '%c0%af', '%ed%a0%80', '%e2%80%ae', 'bk_nope', 'a%2Fb', '..', '%2e%2e'),
  fc.uuid(),
);
const headerValue = fc.stringMatching(/^[\x20-\x7e]{0,300}$/);

interface Case {
  operation: Operation;
  path: string;
  body?: { json: unknown } | { raw: Buffer; type: string };
  idempotencyKey?: string;
}

function caseFor(operation: Operation, ids: Record<string, string[]>): fc.Arbitrary<Case> {
  const params = fc.tuple(...operation.pathParameters.map(() => pathParameter));
  const body: fc.Arbitrary<Case['body']> = operation.body
    ? fc.oneof(
        { weight: 4, arbitrary: mutatedBody(operation.body, ids).map((json) => ({ json })) },
        { weight: 1, arbitrary: fc.tuple(rawBody, contentType).map(([raw, type]) => ({ raw, type })) },
        { weight: 1, arbitrary: fc.constant(undefined) },
      )
    : fc.constant(undefined);
  return fc.record({
    operation: fc.constant(operation),
    path: params.map((values) => operation.pathParameters.reduce((path, name, i) => path.replace(`{${name}}`, values[i]!), operation.template)),
    body,
    idempotencyKey: operation.idempotencyKey ? fc.option(headerValue, { nil: undefined }) : fc.constant(undefined),
  });
}

describe('bad input, generated from the OpenAPI document', () => {
  let h: Harness;
  let own: Awaited<ReturnType<typeof createOwnDatabase>>;
  let pool: pg.Pool;
  let countAll: string;
  const ids: Record<string, string[]> = {};
  let cases = 0;
  const statuses = new Map<number, number>();

  beforeAll(async () => {
    // A database of our own: the row counts below must see no other test's writes.
    own = await createOwnDatabase('bad_input');
    h = await startHarness({ worker: false, databaseUrl: own.url });
    pool = new pg.Pool({ connectionString: own.url, max: 2 });
    const { rows } = await pool.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> '_prisma_migrations' ORDER BY 1`,
    );
    expect(rows.map((r) => r.table_name)).toContain('outbox_events');
    countAll = `SELECT ${rows.map((r) => `(SELECT count(*) FROM "${r.table_name}") AS "${r.table_name}"`).join(', ')}`;
    const offers = await h.tripOffers();
    ids.offers = [offers.flight.id, offers.hotel.id, offers.car.id];
  });
  afterAll(async () => {
    console.log(
      `[bad-input] ${cases} generated requests over ${operations.length} operations; statuses: ${[...statuses].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`).join(' ')}`,
    );
    await pool?.end();
    await h?.stop();
    await own?.drop();
  });

  const rowCounts = async () => (await pool.query(countAll)).rows[0] as Record<string, string>;

  async function send(c: Case) {
    let req = request(h.app)[c.operation.method](c.path);
    if (c.operation.template.startsWith('/codec/')) req = req.set('Authorization', `Bearer ${h.protection.codecOperatorToken}`);
    if (c.idempotencyKey !== undefined) req = req.set('Idempotency-Key', c.idempotencyKey);
    if (c.body && 'json' in c.body) return req.set('Content-Type', 'application/json').send(JSON.stringify(c.body.json) ?? 'null');
    if (c.body) return raw(req, c.body.type, c.body.raw);
    return req;
  }

  /** The bytes as they are: superagent would otherwise JSON-encode a Buffer. */
  const raw = (req: request.Test, type: string, bytes: Buffer) => req
      .set('Content-Type', type)
      .serialize(((b: Buffer) => b) as unknown as (body: unknown) => string)
      .send(bytes as never);

  it('never a 5xx, never a stack trace, and a 4xx writes nothing', async () => {
    expect(operations.map((o) => `${o.method.toUpperCase()} ${o.template}`)).toEqual(
      expect.arrayContaining(['POST /bookings', 'POST /offers', 'GET /bookings/{id}', 'POST /bookings/{id}/cancel', 'GET /travelers/{email}/trips', 'POST /codec/decode']),
    );
    await fc.assert(
      fc.asyncProperty(fc.oneof(...operations.map((operation) => caseFor(operation, ids))), async (c) => {
        const before = await rowCounts();
        const res = await send(c);
        cases += 1;
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        expect(res.status, `${c.operation.method} ${c.path.slice(0, 200)}: ${res.text.slice(0, 300)}`).toBeLessThan(500);
        expect(res.text).not.toMatch(/\n\s+at |\.ts:\d+|node_modules/);
        if (res.status >= 400) {
          expect(res.body?.error?.code, res.text.slice(0, 200)).toEqual(expect.any(String));
          if (res.body.error.code === 'invalid_request') {
            for (const field of res.body.error.fields ?? []) expect(field).toEqual({ path: expect.any(String), reason: expect.any(String) });
          }
          expect(await rowCounts()).toEqual(before);
        }
      }),
      { numRuns: Number(process.env.FC_RUNS ?? 1_000), ...(process.env.FC_SEED ? { seed: Number(process.env.FC_SEED) } : {}) },
    );
  }, 120_000);

  it('the cases the policy was written for: each refused with the field and the reason', async () => {
    const offers = { flight: ids.offers![0]!, hotel: ids.offers![1]! };
    const booking = (traveler: { name: string; email: string }) => ({ traveler, flight: { offerId: offers.flight, seats: 1 }, hotel: { offerId: offers.hotel, rooms: 1 } });
    const refused = async (name: string, email = 'ada@example.com') =>
      (await request(h.app).post('/bookings').send(booking({ name, email })).expect(400)).body.error.fields;
    expect(await refused('Ada\u0000')).toEqual([{ path: 'traveler.name', reason: 'must not contain control characters (NUL, tab, newline, ...)' }]);
    expect(await refused('Ada\ud800')).toEqual([{ path: 'traveler.name', reason: 'must be well-formed Unicode (no lone surrogates)' }]);
    expect(await refused('\u202eadA')).toEqual([{ path: 'traveler.name', reason: 'must not contain bidirectional control characters' }]);
    expect(await refused('Ada', `${'a'.repeat(60)}@${'b'.repeat(240)}.com`)).toEqual([{ path: 'traveler.email', reason: 'at most 254 characters' }]);
    expect(await refused('Ada', 'ada\u0000@example.com')).toEqual([{ path: 'traveler.email', reason: 'must be an email address' }]);

    for (const bad of ['%00', '%ff', '%e2%80%ae']) {
      const res = await request(h.app).get(`/bookings/${bad}`).expect(400);
      expect(res.body.error.fields[0].path).toMatch(/^params/);
    }
    const latin1 = await raw(
      request(h.app).post('/bookings'),
      'application/json',
      Buffer.concat([Buffer.from('{"traveler":{"name":"Ren'), Buffer.from([0xe9]), Buffer.from('","email":"r@example.com"}}')]),
    ).expect(400);
    expect(latin1.body.error).toEqual({ code: 'invalid_encoding', message: 'The request body is not valid UTF-8' });
  });
});
