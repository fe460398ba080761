import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codecSessionCookie } from '../src/api/codec-endpoint.ts';
import { type Harness, startHarness } from './support/harness.ts';

const toJson = (p: Payload) => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  data: Buffer.from(p.data ?? []).toString('base64'),
});
const valueOfJson = (p: { metadata: Record<string, string>; data: string }) =>
  defaultPayloadConverter.fromPayload({
    metadata: Object.fromEntries(Object.entries(p.metadata).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
    data: Buffer.from(p.data, 'base64'),
  });

describe('the codec endpoint the Temporal Web UI calls', () => {
  let h: Harness;
  let token: string;
  let uiOrigin: string;
  let sealed: ReturnType<typeof toJson>;
  beforeAll(async () => {
    h = await startHarness({ worker: false });
    token = h.protection.codecOperatorToken!;
    uiOrigin = new URL(h.temporalUiUrl).origin;
    const [payload] = await h.protection.codec.encode([defaultPayloadConverter.toPayload({ traveler: { name: 'Ada Lovelace' } })!]);
    sealed = toJson(payload!);
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('decodes for a caller with the operator token, and refuses everyone else', async () => {
    const none = await request(h.app).post('/codec/decode').send({ payloads: [sealed] }).expect(401);
    expect(none.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(none.body.error.code).toBe('unauthenticated');
    await request(h.app).post('/codec/decode').set('Authorization', `Bearer ${token}x`).send({ payloads: [sealed] }).expect(401);

    const ok = await request(h.app).post('/codec/decode').set('Authorization', `Bearer ${token}`).set('X-Namespace', 'default').send({ payloads: [sealed] }).expect(200);
    expect(ok.headers['cache-control']).toBe('no-store');
    expect(ok.body.payloads.map(valueOfJson)).toEqual([{ traveler: { name: 'Ada Lovelace' } }]);
  });

  it('encodes what it is given, in a form the codec of the workers opens', async () => {
    const plain = toJson(defaultPayloadConverter.toPayload('a signal argument typed in the UI')!);
    const encoded = await request(h.app).post('/codec/encode').set('Authorization', `Bearer ${token}`).send({ payloads: [plain] }).expect(200);
    expect(Buffer.from(encoded.body.payloads[0].metadata.encoding, 'base64').toString()).toBe('binary/encrypted');
    const back = await request(h.app).post('/codec/decode').set('Authorization', `Bearer ${token}`).send(encoded.body).expect(200);
    expect(back.body.payloads.map(valueOfJson)).toEqual(['a signal argument typed in the UI']);
  });

  it("answers the UI's preflight for its own origin only, with credentials allowed", async () => {
    const preflight = await request(h.app)
      .options('/codec/decode')
      .set('Origin', uiOrigin)
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'content-type,x-namespace');
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe(uiOrigin);
    expect(preflight.headers['access-control-allow-credentials']).toBe('true');
    expect(preflight.headers['access-control-allow-headers']).toContain('x-namespace');
    const stranger = await request(h.app).options('/codec/decode').set('Origin', 'http://evil.example').set('Access-Control-Request-Method', 'POST');
    expect(stranger.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('a browser session: the token once as a bearer, then an HttpOnly cookie scoped to /codec', async () => {
    await request(h.app).post('/codec/session').set('Authorization', 'Bearer wrong').expect(401);
    const session = await request(h.app).post('/codec/session').set('Authorization', `Bearer ${token}`).expect(204);
    const cookie = String(session.headers['set-cookie']);
    expect(cookie).toMatch(new RegExp(`^${codecSessionCookie}=`));
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).toMatch(/Path=\/codec/);
    const decoded = await request(h.app).post('/codec/decode').set('Cookie', cookie.split(';')[0]!).send({ payloads: [sealed] }).expect(200);
    expect(decoded.body.payloads.map(valueOfJson)).toEqual([{ traveler: { name: 'Ada Lovelace' } }]);
  });

  it('bad input is a 4xx naming the problem, never a 500, and payloads are not echoed back', async () => {
    const auth = { Authorization: `Bearer ${token}` };
    const shape = await request(h.app).post('/codec/decode').set(auth).send({ payloads: [{ data: 'not base64!' }] }).expect(400);
    expect(shape.body.error.fields).toEqual([{ path: 'payloads.0.data', reason: 'must be base64' }]);
    await request(h.app).post('/codec/decode').set(auth).set('Content-Type', 'application/json').send('{"payloads": [').expect(400);
    await request(h.app).post('/codec/decode').set(auth).set('Content-Type', 'text/plain').send('payloads').expect(415);
    const unknownKey = { ...sealed, metadata: { ...sealed.metadata, 'encryption-key-id': Buffer.from('gone').toString('base64') } };
    const refused = await request(h.app).post('/codec/decode').set(auth).send({ payloads: [unknownKey] }).expect(422);
    expect(refused.body.error.message).toMatch(/no codec key "gone"/);
    expect(JSON.stringify(refused.body)).not.toContain(sealed.data);
  });
});
