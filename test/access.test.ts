import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT } from 'jose';
import { buildOpenApiDocument } from '../src/api/openapi.ts';
import { createEphemeralIssuer } from '../src/auth/ephemeral-issuer.ts';
import { createTokenVerifier } from '../src/auth/verify-token.ts';
import { loadConfig } from '../src/config.ts';
import { type Harness, startHarness } from './support/harness.ts';
import { as } from './support/tokens.ts';

// Every route of the OpenAPI document, tried with no token, a forged signature, an expired token, another
// traveler's token, an operator's and the right one. The table is keyed by operationId and the test fails on a
// route it does not list, so a new route cannot ship without saying who may call it.

let h: Harness;
const owner = `owner+${randomUUID().slice(0, 8)}@example.com`;
const stranger = `stranger+${randomUUID().slice(0, 8)}@example.com`;
let ctx: { bookingId: string; offers: Awaited<ReturnType<Harness['tripOffers']>> };

beforeAll(async () => {
  h = await startHarness();
  const offers = await h.tripOffers();
  const bookingId = await h.book({ ...h.request({ flight: offers.flight.id, hotel: offers.hotel.id }), traveler: { name: 'Owner', email: owner } });
  await h.waitForStatus(bookingId, 'CONFIRMED');
  ctx = { bookingId, offers };
});
afterAll(async () => {
  await h?.stop();
});

type Caller = 'owner' | 'stranger' | 'operator';
interface SecuredCase {
  method: 'get' | 'post' | 'delete';
  path: () => string;
  body?: () => object;
  /** Who the route is for, and the status each kind of caller gets. */
  right: Caller;
  expect: Record<Caller, number>;
}
/** A route that checks its callers itself (the codec endpoint): 401s of its own shape. */
interface OwnAuthCase extends SecuredCase {
  ownAuth: true;
}
interface PublicCase {
  method: 'get' | 'delete';
  path: () => string;
  public: true;
  /** Default 200. */
  status?: number;
}

const offerBody = () => ({ kind: 'car', name: `car ${randomUUID().slice(0, 4)}`, capacity: 1, price: { amount: 100, currency: 'EUR' } });
const bookingBody = () => ({ ...h.request({ flight: ctx.offers.flight.id, hotel: ctx.offers.hotel.id }), traveler: { name: 'Owner', email: owner } });

const routes: Record<string, SecuredCase | OwnAuthCase | PublicCase> = {
  createOffer: { method: 'post', path: () => '/offers', body: offerBody, right: 'operator', expect: { owner: 403, stranger: 403, operator: 201 } },
  listOffers: { method: 'get', path: () => '/offers', right: 'owner', expect: { owner: 200, stranger: 200, operator: 200 } },
  getOffer: { method: 'get', path: () => `/offers/${ctx.offers.car.id}`, right: 'owner', expect: { owner: 200, stranger: 200, operator: 200 } },
  // The stranger sends the owner's email: a traveler books only as themselves.
  createBooking: { method: 'post', path: () => '/bookings', body: bookingBody, right: 'owner', expect: { owner: 202, stranger: 403, operator: 403 } },
  getBooking: { method: 'get', path: () => `/bookings/${ctx.bookingId}`, right: 'owner', expect: { owner: 200, stranger: 404, operator: 200 } },
  listBookingEvents: { method: 'get', path: () => `/bookings/${ctx.bookingId}/events`, right: 'owner', expect: { owner: 200, stranger: 404, operator: 200 } },
  getBookingTimeline: { method: 'get', path: () => `/bookings/${ctx.bookingId}/timeline`, right: 'owner', expect: { owner: 200, stranger: 404, operator: 200 } },
  // The page is data-free; the route it reads is the one above.
  bookingTimelinePage: { method: 'get', path: () => `/bookings/${ctx.bookingId}/timeline.html`, public: true },
  listTravelerTrips: { method: 'get', path: () => `/travelers/${owner}/trips`, right: 'owner', expect: { owner: 200, stranger: 403, operator: 200 } },
  depositIntoWallet: {
    method: 'post',
    path: () => `/travelers/${owner}/wallet/deposits`,
    body: () => ({ amount: { amount: 100, currency: 'EUR' } }),
    right: 'owner',
    expect: { owner: 201, stranger: 403, operator: 403 },
  },
  getWallet: { method: 'get', path: () => `/travelers/${owner}/wallet`, right: 'owner', expect: { owner: 200, stranger: 403, operator: 200 } },
  listWalletEvents: { method: 'get', path: () => `/travelers/${owner}/wallet/events`, right: 'owner', expect: { owner: 200, stranger: 403, operator: 200 } },
  getWalletStatement: { method: 'get', path: () => `/travelers/${owner}/wallet/statement`, right: 'owner', expect: { owner: 200, stranger: 403, operator: 200 } },
  // Last: the right caller's request cancels the booking.
  cancelBooking: { method: 'post', path: () => `/bookings/${ctx.bookingId}/cancel`, right: 'owner', expect: { owner: 202, stranger: 404, operator: 403 } },
  codecDecode: { method: 'post', path: () => '/codec/decode', body: () => ({ payloads: [] }), ownAuth: true, right: 'operator', expect: { owner: 403, stranger: 403, operator: 200 } },
  codecEncode: { method: 'post', path: () => '/codec/encode', body: () => ({ payloads: [] }), ownAuth: true, right: 'operator', expect: { owner: 403, stranger: 403, operator: 200 } },
  startCodecSession: { method: 'post', path: () => '/codec/session', ownAuth: true, right: 'operator', expect: { owner: 403, stranger: 403, operator: 204 } },
  codecSessionPage: { method: 'get', path: () => '/codec/session', public: true },
  endCodecSession: { method: 'delete', path: () => '/codec/session', public: true, status: 204 },
  metrics: { method: 'get', path: () => '/metrics', public: true },
  health: { method: 'get', path: () => '/healthz', public: true },
  readiness: { method: 'get', path: () => '/readyz', public: true },
  openApiDocument: { method: 'get', path: () => '/openapi.json', public: true },
  asyncApiDocument: { method: 'get', path: () => '/asyncapi.json', public: true },
  referencePage: { method: 'get', path: () => '/docs', public: true },
};

const operations = Object.entries(buildOpenApiDocument().paths).flatMap(([path, methods]) =>
  Object.entries(methods as Record<string, { operationId: string; security?: object[] }>).map(([method, op]) => ({ path, method, ...op })),
);

const send = (c: SecuredCase | OwnAuthCase | PublicCase, token?: string) => {
  const req = request(h.app)[c.method](c.path());
  if (token) req.set('Authorization', `Bearer ${token}`);
  return 'body' in c && c.body ? req.send(c.body()) : req;
};

describe('who may call each route', () => {
  it('the table lists every documented route, and the document marks exactly the protected ones', () => {
    expect(operations.map((op) => op.operationId).sort()).toEqual(Object.keys(routes).sort());
    for (const op of operations) {
      const c = routes[op.operationId]!;
      expect(`${c.method} ${c.path().replace(/\/bk_[^/]+|\/[0-9a-f-]{36}|\/owner\+[^/]+/g, '/{x}')}`, op.operationId).toBe(
        `${op.method} ${op.path.replace(/\{[^}]+\}/g, '{x}')}`,
      );
      const protectedRoute = op.security !== undefined && !op.security.some((requirement) => Object.keys(requirement).length === 0);
      // The codec endpoint states its own check in its description rather than the bearer scheme (a cookie also works).
      expect(protectedRoute, op.operationId).toBe(!('public' in c) && !('ownAuth' in c));
    }
  });

  const order = Object.entries(routes);
  for (const [operationId, c] of order) {
    if ('public' in c) {
      it(`${operationId}: open, no token needed`, async () => {
        const res = await send(c);
        expect(res.status).toBe(c.status ?? 200);
      });
      continue;
    }
    it(`${operationId}: 401 without a token, with a forged or an expired one; then by role and owner`, async () => {
      const own = 'ownAuth' in c;
      const none = await send(c);
      expect(none.status).toBe(401);
      expect(none.headers['www-authenticate']).toBe(own ? 'Bearer realm="tripsaga codec"' : 'Bearer realm="tripsaga"');
      expect(none.body.error).toMatchObject({ code: 'unauthenticated', requestId: none.headers['x-request-id'] });

      const forged = await send(c, await h.tokens.forged(owner));
      expect(forged.status).toBe(401);
      // The codec endpoint falls back to its interim shared secret, so its refusal does not say why the JWT failed.
      if (!own) {
        expect(forged.body.error.code).toBe('invalid_token');
        expect(forged.headers['www-authenticate']).toMatch(/^Bearer realm="tripsaga", error="invalid_token", error_description="the token signature does not verify"$/);
      }

      const expired = await send(c, await h.tokens.expired(owner));
      expect(expired.status).toBe(401);
      if (!own) expect(expired.headers['www-authenticate']).toMatch(/error_description="the token has expired"/);

      const tokenOf: Record<Caller, () => Promise<string>> = {
        owner: () => h.tokens.traveler(owner),
        stranger: () => h.tokens.traveler(stranger),
        operator: () => h.tokens.operator(),
      };
      // The right caller goes last (it may change the state: a cancellation).
      const callers = (['stranger', 'operator', 'owner'] as Caller[]).filter((who) => who !== c.right).concat(c.right);
      for (const who of callers) {
        const res = await send(c, await tokenOf[who]());
        expect(res.status, `${operationId} as ${who}: ${JSON.stringify(res.body)}`).toBe(c.expect[who]);
        if (res.status === 403) expect(res.body.error.code).toBe('forbidden');
        if (res.status === 404) expect(res.body.error).toMatchObject({ code: 'booking_not_found', message: 'No such booking' });
      }
    });
  }

  it("another traveler's booking answers exactly like one that does not exist", async () => {
    const token = await h.tokens.traveler(stranger);
    const theirs = await as(token, request(h.app).get(`/bookings/${ctx.bookingId}`)).expect(404);
    const nobody = await as(token, request(h.app).get('/bookings/bk_does-not-exist')).expect(404);
    expect(theirs.body.error).toEqual({ ...nobody.body.error, requestId: theirs.headers['x-request-id'] });
  });

  it('a token for another audience, with no role, unsigned or not a bearer token is refused', async () => {
    const settings = loadConfig({}).auth;
    // The verifier trusts this issuer's key, but expects tripsaga's audience.
    const other = await createEphemeralIssuer({ ...settings, audience: 'someone-else' });
    const app = h.appWith({ auth: createTokenVerifier(settings, other.key.publicKey, 'test') });
    const res = await as(await other.mint({ role: 'operator' }), request(app).get('/offers')).expect(401);
    expect(res.headers['www-authenticate']).toMatch(/'aud' claim is not accepted/);
    const roleless = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256' })
      .setIssuer(settings.issuer)
      .setAudience(settings.audience)
      .setSubject('x')
      .setExpirationTime('1h')
      .sign(other.key.privateKey);
    expect((await as(roleless, request(app).get('/offers')).expect(401)).body.error.message).toMatch(/no role/);
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ role: 'operator', sub: 'x', iss: settings.issuer, aud: settings.audience, exp: 9e9 })).toString('base64url')}.`;
    await request(app).get('/offers').set('Authorization', `Bearer ${unsigned}`).expect(401);
    await request(app).get('/offers').set('Authorization', 'Basic b3BlcmF0b3I6').expect(401);
  });

  it('METRICS_ACCESS=operator puts the metrics behind an operator token', async () => {
    const app = h.appWith({ metricsAccess: 'operator' });
    await request(app).get('/metrics').expect(401);
    await as(await h.tokens.traveler(owner), request(app).get('/metrics')).expect(403);
    await as(await h.tokens.operator(), request(app).get('/metrics')).expect(200);
  });
});

describe('the seam for other endpoints', () => {
  it('verifyToken gives the principal, or the 401 the API would answer', async () => {
    const { verifyToken } = await import('../src/auth/http.ts');
    expect(await verifyToken(h.tokens.verifier, `Bearer ${await h.tokens.operator()}`)).toEqual({ role: 'operator', subject: 'operator' });
    expect(await verifyToken(h.tokens.verifier, `Bearer ${await h.tokens.traveler(owner)}`)).toEqual({ role: 'traveler', subject: owner, email: owner });
    await expect(verifyToken(h.tokens.verifier, undefined)).rejects.toMatchObject({ status: 401, code: 'unauthenticated' });
    await expect(verifyToken(h.tokens.verifier, `Bearer ${await h.tokens.expired(owner)}`)).rejects.toMatchObject({ status: 401, code: 'invalid_token' });
  });
});
