import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Harness, startHarness } from './support/harness.ts';
import { startCuttableProxy } from './support/cuttable-proxy.ts';
import { createOwnDatabase } from './support/own-database.ts';

// While the database's connections are being cut (a restart, a failover, a partition), the API must say "try again"
// in a way a client can act on: 503 with Retry-After and the JSON error body, never a 500 or a stack trace. The
// database sits behind a proxy we can cut, in front of a database of this file's own.
let database: Awaited<ReturnType<typeof createOwnDatabase>>;
let proxy: Awaited<ReturnType<typeof startCuttableProxy>>;
let h: Harness;

beforeAll(async () => {
  database = await createOwnDatabase('outage');
  const url = new URL(database.url);
  proxy = await startCuttableProxy({ host: url.hostname, port: Number(url.port || 5432) });
  url.hostname = '127.0.0.1';
  url.port = String(proxy.port);
  h = await startHarness({ databaseUrl: url.toString() });
});
afterAll(async () => {
  await proxy?.restore().catch(() => {});
  await h?.stop();
  await proxy?.close();
  await database?.drop();
});

it('answers 503 with Retry-After while the database is cut off, and books once it is back', async () => {
  const offers = await h.tripOffers();
  const trip = h.request({ flight: offers.flight.id, hotel: offers.hotel.id, car: offers.car.id });
  const key = `outage-${randomUUID()}`;

  const traveler = await h.asTraveler(trip.traveler.email);

  await proxy.cut();
  const refused = await traveler.post('/bookings').set('Idempotency-Key', key).send(trip);
  expect(refused.status).toBe(503);
  expect(refused.headers['retry-after']).toBe('2');
  expect(refused.headers['content-type']).toMatch(/^application\/json/);
  expect(refused.body).toEqual({ error: { code: 'database_unavailable', message: expect.any(String), requestId: refused.headers['x-request-id'] } });
  expect(refused.text).not.toMatch(/at .*\.ts:\d+/);
  // Reads fail the same way, and readiness names the dependency that is down.
  expect((await traveler.get(`/offers/${offers.flight.id}`)).status).toBe(503);
  const readiness = await request(h.app).get('/readyz');
  expect(readiness.status).toBe(503);
  expect(readiness.body.checks.database).toMatch(/^unavailable: /);
  expect(readiness.body.checks.temporal).toBe('ok');

  await proxy.restore();
  // The client retries with the same key, as Retry-After told it to: one booking, and its saga runs.
  const accepted = await traveler.post('/bookings').set('Idempotency-Key', key).send(trip).expect(202);
  await h.waitForStatus(accepted.body.bookingId, 'CONFIRMED');
  expect(await h.prisma.booking.count({ where: { travelerEmail: trip.traveler.email } })).toBe(1);
});
