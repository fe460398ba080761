import { once } from 'node:events';
import net from 'node:net';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessLog } from '../src/api/access-log.ts';
import { serve } from '../src/api/serve.ts';
import { createLogger, lineLog } from '../src/lib/logger.ts';
import { type Harness, startHarness } from './support/harness.ts';
import { as } from './support/tokens.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ worker: false });
});
afterAll(async () => {
  await h?.stop();
});

/**
 * Sends `head`, then `trickle` one byte at a time with a pause between, until the server answers or closes, and
 * returns what it answered and how many trickled bytes it took. Bounded: the trickle is at most its own length.
 */
async function trickle(port: number, head: string, trickled: string, pauseMs = 250) {
  const socket = net.connect(port, '127.0.0.1');
  await once(socket, 'connect');
  let answer = '';
  let closed = false;
  socket.on('data', (chunk) => (answer += chunk));
  socket.on('close', () => (closed = true));
  socket.on('error', () => {});
  socket.write(head);
  let sent = 0;
  for (const byte of trickled) {
    if (closed) break;
    socket.write(byte);
    sent += 1;
    await sleep(pauseMs);
  }
  if (!closed) await Promise.race([once(socket, 'close'), sleep(5_000)]);
  socket.destroy();
  return { answer, sent, closed };
}

describe('slow clients are cut off', () => {
  let server: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => {
    server = await serve(h.app, 0, '127.0.0.1', { headersTimeoutMs: 1_000, requestTimeoutMs: 2_000 });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('a body trickled a byte at a time is answered 408 and the connection closed, long before it is complete', async () => {
    const body = JSON.stringify({ traveler: { name: 'Slow Loris', email: 'loris@example.com' }, padding: 'x'.repeat(40) });
    const head = `POST /bookings HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`;
    const { answer, sent, closed } = await trickle(server.port, head, body);
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(closed).toBe(true);
    expect(sent).toBeLessThan(body.length);
  });

  it('headers trickled a byte at a time are cut off too', async () => {
    const headers = `GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: ${'y'.repeat(40)}\r\n\r\n`;
    const { answer, sent, closed } = await trickle(server.port, 'GET /healthz HTTP/1.1\r\n', headers.slice('GET /healthz HTTP/1.1\r\n'.length));
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(closed).toBe(true);
    expect(sent).toBeLessThan(headers.length);
  });

  it('a client at a normal pace is served', async () => {
    const res = await fetch(`http://127.0.0.1:${server.port}/healthz`);
    expect(res.status).toBe(200);
  });
});

describe('security headers and CORS', () => {
  it('every answer carries helmet headers; the reference page keeps its own stricter CSP', async () => {
    const res = await request(h.app).get('/healthz').expect(200);
    expect(res.headers).toMatchObject({
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'SAMEORIGIN',
      'strict-transport-security': expect.stringMatching(/max-age=/),
      'cross-origin-opener-policy': 'same-origin',
      'referrer-policy': 'no-referrer',
    });
    expect(res.headers['content-security-policy']).toMatch(/default-src 'self'/);
    expect(res.headers['x-powered-by']).toBeUndefined();
    const docs = await request(h.app).get('/docs').expect(200);
    expect(docs.headers['content-security-policy']).toMatch(/form-action 'none'/);
  });

  it('CORS is off unless origins are listed; then only those origins get it', async () => {
    const preflight = (app: typeof h.app, origin: string) =>
      request(app).options('/offers').set('Origin', origin).set('Access-Control-Request-Method', 'POST').set('Access-Control-Request-Headers', 'authorization');
    expect((await preflight(h.app, 'https://app.example')).headers['access-control-allow-origin']).toBeUndefined();
    const allowing = h.appWith({ corsOrigins: ['https://app.example'] });
    const allowed = await preflight(allowing, 'https://app.example');
    expect(allowed.status).toBe(204);
    expect(allowed.headers['access-control-allow-origin']).toBe('https://app.example');
    expect(allowed.headers['access-control-allow-headers']).toMatch(/Authorization/);
    expect((await preflight(allowing, 'https://evil.example')).headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('request ids and structured logs', () => {
  it('X-Request-Id is kept when it looks like an id, replaced when not, and echoed in the header and the error body', async () => {
    const kept = await request(h.app).get('/offers').set('X-Request-Id', 'trace-01HZX.42:a_b').expect(401);
    expect(kept.headers['x-request-id']).toBe('trace-01HZX.42:a_b');
    expect(kept.body.error.requestId).toBe('trace-01HZX.42:a_b');
    const replaced = await request(h.app).get('/offers').set('X-Request-Id', 'has spaces <and> "quotes"').expect(401);
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(replaced.body.error.requestId).toBe(replaced.headers['x-request-id']);
    const generated = await request(h.app).get('/healthz').expect(200);
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("every log line is JSON, and lines written while a request is handled carry its id, the access line too", async () => {
    const lines: Record<string, unknown>[] = [];
    const raw: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split('\n').filter(Boolean)) {
          raw.push(line);
          lines.push(JSON.parse(line));
        }
        done();
      },
    });
    const logger = createLogger({ component: 'api', destination: sink });
    const failing = { ...h.offers, list: async () => Promise.reject(new Error('the offers table is on fire')) };
    const app = h.appWith({ offers: failing, accessLog: accessLog(logger), log: lineLog(logger) });
    const res = await as(await h.tokens.operator(), request(app).get('/offers').set('X-Request-Id', 'req-42')).expect(500);
    expect(res.body.error).toEqual({ code: 'internal_error', message: expect.any(String), requestId: 'req-42' });
    expect(JSON.stringify(res.body)).not.toMatch(/fire/);
    await as(await h.tokens.traveler('ada@example.com'), request(app).get('/travelers/ada@example.com/trips')).expect(200);
    await expect.poll(() => lines.length).toBeGreaterThanOrEqual(3);
    const failure = lines.find((line) => String(line.msg).includes('on fire'));
    expect(failure).toMatchObject({ level: 'info', component: 'api', requestId: 'req-42' });
    const access = lines.filter((line) => line.res !== undefined);
    expect(access[0]).toMatchObject({ level: 'error', requestId: 'req-42', req: { method: 'GET', path: '/offers' }, res: { statusCode: 500 } });
    // A traveler's email is in that path; the log keeps the route's shape, not the address.
    expect(access[1]).toMatchObject({ level: 'info', req: { path: '/travelers/{email}/trips' }, res: { statusCode: 200 } });
    expect(JSON.stringify(lines)).not.toMatch(/ada@example\.com|Bearer|eyJ/);
    for (const line of raw) expect(line.match(/"requestId":/g)?.length ?? 0, line).toBeLessThanOrEqual(1);
  });
});
