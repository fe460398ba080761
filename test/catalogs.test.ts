import { Parser } from '@asyncapi/parser';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { Express } from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOpenApiDocument } from '../src/api/openapi.ts';
import { buildAsyncApiDocument } from '../src/events/asyncapi.ts';
import { eventCatalog } from '../src/events/catalog.ts';
import { decodeEvent } from '../src/events/decode.ts';
import { subjectFor, toCloudEvent } from '../src/events/cloud-event.ts';
import { type Harness, startHarness } from './support/harness.ts';
import { recordedV1Events } from './support/recorded-events.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

const errorsOf = (diagnostics: { severity: number }[]) => diagnostics.filter((d) => d.severity === 0);

describe('AsyncAPI 3.0 document of the events', () => {
  it('parses with the official AsyncAPI parser without errors: a channel per type, a message per version', async () => {
    const { document, diagnostics } = await new Parser().parse(JSON.stringify(buildAsyncApiDocument()));
    expect(errorsOf(diagnostics)).toEqual([]);
    expect(document!.version()).toBe('3.0.0');
    expect(document!.channels().length).toBe(Object.keys(eventCatalog).length);
    expect(document!.messages().length).toBe(Object.values(eventCatalog).reduce((n, d) => n + d.latestVersion, 0));
    const addresses = document!
      .channels()
      .all()
      .map((c) => c.address());
    expect(addresses).toContain(subjectFor('com.tripsaga.booking.status-changed'));
    expect(addresses).toContain('tripsaga.events.booking.confirmed');
  });

  it('the parser does fail on a broken document', async () => {
    const broken = buildAsyncApiDocument() as { channels: Record<string, { messages: Record<string, unknown> }> };
    broken.channels['booking.confirmed']!.messages['booking.confirmed.v2'] = { $ref: '#/components/messages/nope' };
    const { document, diagnostics } = await new Parser().parse(JSON.stringify(broken));
    expect(document).toBeUndefined();
    expect(errorsOf(diagnostics).length).toBeGreaterThan(0);
  });

  it('describes real messages: recorded v1 events and freshly written ones fit their message payloads', async () => {
    const doc = buildAsyncApiDocument();
    // strict: false because the whole AsyncAPI document is added as a schema, and only its payloads are one.
    const ajv = addFormats(new Ajv({ strict: false, allErrors: true }));
    ajv.addSchema(doc, 'asyncapi');
    const payloadOf = (type: string, version: number) =>
      ajv.getSchema(`asyncapi#/components/messages/${type.replace('com.tripsaga.', '')}.v${version}/payload`)!;
    const offers = await h.tripOffers();
    const bookingId = await h.book(h.request({ flight: offers.flight.id, hotel: offers.hotel.id, car: offers.car.id }));
    await h.waitForStatus(bookingId, 'CONFIRMED');
    const written = (await h.prisma.outboxEvent.findMany({ where: { aggregateId: bookingId } })).map(toCloudEvent);
    const recorded = recordedV1Events().flatMap((r) => r.events);
    for (const event of [...recorded, ...written]) {
      const version = decodeEvent(event).writtenVersion;
      const validate = payloadOf(event.type, version);
      expect(validate(JSON.parse(JSON.stringify(event))), `${event.type} v${version}: ${ajv.errorsText(validate.errors)}`).toBe(true);
    }
    const mislabelled = {
      ...written.find((e) => e.type === 'com.tripsaga.booking.confirmed')!,
      dataschema: 'urn:tripsaga:schema:com.tripsaga.booking.confirmed:v1',
    };
    expect(payloadOf('com.tripsaga.booking.confirmed', 2)(mislabelled)).toBe(false);
  });

  it('is served at GET /asyncapi.json', async () => {
    const res = await request(h.app).get('/asyncapi.json').expect(200).expect('content-type', /json/);
    expect(res.body).toEqual(buildAsyncApiDocument());
  });
});

describe('OpenAPI 3.1 document of the HTTP API', () => {
  it('validates against the OpenAPI 3.1 schema, and the validator does reject a broken one', async () => {
    const validator = new Validator();
    expect(await validator.validate(buildOpenApiDocument())).toEqual({ valid: true });
    expect(validator.version).toBe('3.1');
    const { info: _info, ...withoutInfo } = buildOpenApiDocument();
    expect((await new Validator().validate(withoutInfo)).valid).toBe(false);
  });

  it('documents exactly the routes the app serves', () => {
    const assets = ['get /docs/reference.js', 'get /docs/{asset}', 'get /codec/session.js', 'get /timeline.js'];
    const served = routesOf(h.app).filter((r) => !assets.includes(r));
    const documented = Object.entries(buildOpenApiDocument().paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`));
    expect(served.sort()).toEqual(documented.sort());
  });

  it('real answers fit the documented response schemas, and real requests the request schemas', async () => {
    const doc = buildOpenApiDocument();
    const ajv = addFormats(new Ajv2020({ strict: false, allErrors: true }));
    ajv.addSchema(doc, 'openapi');
    const schema = (name: string) => ajv.getSchema(`openapi#/components/schemas/${name}`)!;
    const check = (name: string, body: unknown) => {
      const validate = schema(name);
      expect(validate(body), `${name}: ${ajv.errorsText(validate.errors)}`).toBe(true);
    };
    const newOffer = { kind: 'flight', name: 'TP123', capacity: 5, price: { amount: 12_900, currency: 'EUR' } };
    check('NewOffer', newOffer);
    const operator = await h.asOperator();
    const offer = (await operator.post('/offers').send(newOffer).expect(201)).body;
    check('Offer', offer);
    check('OfferList', (await operator.get('/offers').expect(200)).body);
    const hotel = (
      await operator
        .post('/offers')
        .send({ ...newOffer, kind: 'hotel', name: 'Ritz' })
        .expect(201)
    ).body;
    const booking = h.request({ flight: offer.id, hotel: hotel.id });
    check('BookingRequest', booking);
    const traveler = await h.asTraveler(booking.traveler.email);
    const accepted = (await traveler.post('/bookings').send(booking).expect(202)).body;
    check('BookingAccepted', accepted);
    check('Booking', (await traveler.get(`/bookings/${accepted.bookingId}`).expect(200)).body);
    await h.waitForStatus(accepted.bookingId, 'CONFIRMED');
    check('Booking', (await traveler.get(`/bookings/${accepted.bookingId}`).expect(200)).body);
    check('BookingEvents', (await traveler.get(`/bookings/${accepted.bookingId}/events`).expect(200)).body);
    check('BookingTimeline', (await traveler.get(`/bookings/${accepted.bookingId}/timeline`).expect(200)).body);
    check('CancelAccepted', (await traveler.post(`/bookings/${accepted.bookingId}/cancel`).expect(202)).body);
    const wallet = `/travelers/${encodeURIComponent(booking.traveler.email)}/wallet`;
    const deposit = { amount: { amount: 2_500, currency: 'EUR' } };
    check('DepositRequest', deposit);
    check('Wallet', (await traveler.post(`${wallet}/deposits`).send(deposit).expect(201)).body);
    check('Wallet', (await traveler.get(wallet).expect(200)).body);
    check('WalletEvents', (await traveler.get(`${wallet}/events`).expect(200)).body);
    check('WalletStatement', (await traveler.get(`${wallet}/statement`).expect(200)).body);
    expect(schema('DepositRequest')({ amount: { amount: 2_500, currency: 'EUR', note: 'x' } })).toBe(false);
    check('Error', (await operator.post('/offers').send({ kind: 'boat' }).expect(400)).body);
    check('Error', (await request(h.app).post('/offers').send({ kind: 'boat' }).expect(401)).body);
    check('Health', (await request(h.app).get('/healthz').expect(200)).body);
    check('Readiness', (await request(h.app).get('/readyz').expect(200)).body);
    // and the schemas are not vacuous: the request the API refuses, the document refuses too
    expect(schema('BookingRequest')({ ...booking, extra: true })).toBe(false);
    expect(schema('Offer')({ ...offer, available: 'many' })).toBe(false);
  });

  it('is served at GET /openapi.json', async () => {
    const res = await request(h.app).get('/openapi.json').expect(200).expect('content-type', /json/);
    expect(res.body).toEqual(buildOpenApiDocument());
  });
});

describe('GET /docs, the reference page', () => {
  it('serves a page whose every script, style and icon comes from this server', async () => {
    const page = await request(h.app).get('/docs').expect(200).expect('content-type', /html/);
    expect(page.headers['content-security-policy']).toMatch(/default-src 'self'/);
    expect(page.text).not.toMatch(/https?:\/\//);
    const assets = [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(assets).toEqual([
      '/docs/favicon-32x32.png',
      '/docs/swagger-ui.css',
      '/openapi.json',
      '/docs/swagger-ui-bundle.js',
      '/docs/reference.js',
    ]);
    for (const asset of assets) {
      const res = await request(h.app).get(asset).expect(200);
      expect(Number(res.headers['content-length'] ?? res.text?.length ?? 0)).toBeGreaterThan(0);
    }
    const bundle = await request(h.app)
      .get('/docs/swagger-ui-bundle.js')
      .expect(200)
      .expect('content-type', /javascript/);
    expect(bundle.text).toMatch(/SwaggerUIBundle/);
    const start = await request(h.app).get('/docs/reference.js').expect(200);
    expect(start.text).toMatch(/url: '\/openapi\.json'/);
    expect(start.text).toMatch(/validatorUrl: null/);
  });

  it('serves nothing else from the package', async () => {
    await request(h.app).get('/docs/index.html').expect(404);
    await request(h.app).get('/docs/..%2Fpackage.json').expect(404);
  });
});

/** `get /offers/{id}` for every route registered on the app. */
function routesOf(app: Express): string[] {
  const stack = (app as unknown as { router: { stack: { route?: { path: string; methods: Record<string, boolean> } }[] } }).router.stack;
  const nested = stack.flatMap((layer) => {
    const handle = (layer as unknown as { handle?: { stack?: typeof stack } }).handle;
    return layer.route ? [layer] : (handle?.stack ?? []).filter((l) => l.route);
  });
  return nested.flatMap(({ route }) =>
    Object.keys(route!.methods)
      .filter((m) => m !== '_all')
      .map((m) => `${m} ${route!.path.replace(/:(\w+)/g, '{$1}')}`),
  );
}
