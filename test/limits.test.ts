import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRateLimitStore } from '../src/api/rate-limit.ts';
import { createBookingService } from '../src/bookings/booking-service.ts';
import { openDatabase } from '../src/db/open-database.ts';
import { type Harness, startHarness } from './support/harness.ts';
import { as } from './support/tokens.ts';

// The Redis every test run shares (platform notes): each test takes keys under a prefix of its own.
const redisUrl = 'redis://127.0.0.1:6379';

let h: Harness;
beforeAll(async () => {
  // No worker: the sagas stay running (PENDING), which is what the cap counts.
  h = await startHarness({ worker: false, runningSagasPerTraveler: 2 });
});
afterAll(async () => {
  await h?.stop();
});

const newOffer = () => ({ kind: 'car', name: `car ${randomUUID().slice(0, 6)}`, capacity: 1, price: { amount: 100, currency: 'EUR' } });

describe('rate limits on writes', () => {
  it('counts per token subject: the third write in the window is 429 with Retry-After; another caller and reads are not held', async () => {
    const app = h.appWith({ writeLimit: { limit: 2, windowSeconds: 60 } });
    const ada = await h.tokens.traveler(`ada+${randomUUID().slice(0, 6)}@example.com`);
    const bob = await h.tokens.traveler(`bob+${randomUUID().slice(0, 6)}@example.com`);
    // Writes that are refused (403: a traveler may not create offers) count too: the limit is on attempts.
    await as(ada, request(app).post('/offers').send(newOffer())).expect(403);
    await as(ada, request(app).post('/offers').send(newOffer())).expect(403);
    const limited = await as(ada, request(app).post('/offers').send(newOffer())).expect(429);
    expect(limited.headers['retry-after']).toMatch(/^\d+$/);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.headers.ratelimit).toMatch(/; r=0;/);
    expect(limited.body.error).toMatchObject({ code: 'rate_limited', requestId: limited.headers['x-request-id'] });
    await as(bob, request(app).post('/offers').send(newOffer())).expect(403);
    await as(ada, request(app).get('/offers')).expect(200);
  });

  it('counts anonymous callers by address, bad tokens included', async () => {
    const app = h.appWith({ writeLimit: { limit: 2, windowSeconds: 60 } });
    await request(app).post('/offers').send(newOffer()).expect(401);
    await request(app).post('/offers').set('Authorization', 'Bearer not.a.token').send(newOffer()).expect(401);
    await request(app).post('/offers').send(newOffer()).expect(429);
  });

  describe('with Redis', () => {
    const prefix = `tripsaga-test:${randomUUID()}:rate-limit:`;
    const stores: Awaited<ReturnType<typeof connectRateLimitStore>>[] = [];
    afterAll(async () => {
      for (const store of stores) await store.close();
      const redis = await createClient({ url: redisUrl }).connect();
      for await (const keys of redis.scanIterator({ MATCH: `${prefix}*` })) if (keys.length) await redis.del(keys);
      await redis.close();
    });

    it('two API processes share one limit', async () => {
      stores.push(await connectRateLimitStore(redisUrl, prefix), await connectRateLimitStore(redisUrl, prefix));
      const [one, two] = stores.map((s) => h.appWith({ writeLimit: { limit: 3, windowSeconds: 60, store: s.store } }));
      const operator = await h.tokens.operator();
      await as(operator, request(one!).post('/offers').send(newOffer())).expect(201);
      await as(operator, request(two!).post('/offers').send(newOffer())).expect(201);
      await as(operator, request(one!).post('/offers').send(newOffer())).expect(201);
      const limited = await as(operator, request(two!).post('/offers').send(newOffer())).expect(429);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      const redis = await createClient({ url: redisUrl }).connect();
      expect(await redis.get(`${prefix}operator:operator`)).toBe('4');
      await redis.close();
    });
  });
});

describe('cap on running sagas per traveler', () => {
  it('two API processes booking for one traveler at once never start more sagas than the cap', async () => {
    const email = `busy+${randomUUID().slice(0, 6)}@example.com`;
    const offers = await h.tripOffers();
    // A second "process": its own database connection pool and booking service.
    const otherDb = await openDatabase({ databaseUrl: h.databaseUrl, dataDir: '', migrate: false });
    try {
      const other = createBookingService({
        prisma: otherDb.prisma,
        temporal: h.temporal,
        taskQueue: h.taskQueue,
        clock: { now: () => new Date() },
        temporalUiUrl: h.temporalUiUrl,
        travelerPseudonym: h.protection.travelerPseudonym,
        runningSagasPerTraveler: 2,
      });
      const request = { ...h.request({ flight: offers.flight.id, hotel: offers.hotel.id }), traveler: { name: 'Busy', email } };
      const attempts = await Promise.allSettled(
        Array.from({ length: 6 }, (_, i) => (i % 2 === 0 ? h.bookings : other).createBooking({ ...request, traveler: { ...request.traveler, email: i % 3 === 0 ? email.toUpperCase() : email } })),
      );
      const refused = attempts.filter((a): a is PromiseRejectedResult => a.status === 'rejected');
      expect(attempts.filter((a) => a.status === 'fulfilled')).toHaveLength(2);
      expect(refused.map((r) => r.reason.code)).toEqual(Array(4).fill('too_many_running_sagas'));
      expect(await h.prisma.booking.count({ where: { travelerEmail: { in: [email, email.toUpperCase()] } } })).toBe(2);
    } finally {
      await otherDb.close();
    }
  });

  it('over HTTP the next booking is 429 with Retry-After, and writes nothing', async () => {
    const email = `full+${randomUUID().slice(0, 6)}@example.com`;
    const offers = await h.tripOffers();
    const body = { ...h.request({ flight: offers.flight.id, hotel: offers.hotel.id }), traveler: { name: 'Full', email } };
    const traveler = await h.asTraveler(email);
    await traveler.post('/bookings').send(body).expect(202);
    await traveler.post('/bookings').send(body).expect(202);
    const before = await h.prisma.outboxEvent.count();
    const refused = await traveler.post('/bookings').send(body).expect(429);
    expect(refused.headers['retry-after']).toBe('5');
    expect(refused.body.error.code).toBe('too_many_running_sagas');
    expect(await h.prisma.outboxEvent.count()).toBe(before);
    // Another traveler is not held by it.
    const someoneElse = { ...body, traveler: { name: 'Free', email: `free+${randomUUID().slice(0, 6)}@example.com` } };
    await (await h.asTraveler(someoneElse.traveler.email)).post('/bookings').send(someoneElse).expect(202);
  });
});
