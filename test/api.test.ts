import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './support/harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

const counts = async () => ({
  bookings: await h.prisma.booking.count(),
  offers: await h.prisma.offer.count(),
  events: await h.prisma.outboxEvent.count(),
});

describe('HTTP API: offers', () => {
  it('creates, lists and reads an offer', async () => {
    const operator = await h.asOperator();
    const created = await operator
      .post('/offers')
      .send({ kind: 'hotel', name: 'Ritz', capacity: 3, price: { amount: 25_000, currency: 'EUR' } })
      .expect(201);
    expect(created.body).toEqual({
      id: expect.any(String),
      kind: 'hotel',
      name: 'Ritz',
      capacity: 3,
      available: 3,
      price: { amount: 25_000, currency: 'EUR' },
    });
    expect(created.headers.location).toBe(`/offers/${created.body.id}`);
    expect((await operator.get(`/offers/${created.body.id}`).expect(200)).body).toEqual(created.body);
    const list = await (await h.asTraveler('ada@example.com')).get('/offers').expect(200);
    expect(list.body.offers).toContainEqual(created.body);
  });

  it('rejects a bad offer with every offending field and writes nothing', async () => {
    const before = await counts();
    const res = await (await h.asOperator())
      .post('/offers')
      .send({ kind: 'boat', name: '', capacity: -1, price: { amount: 1.5, currency: 'USD' }, extra: true })
      .expect(400);
    expect(res.body.error.code).toBe('invalid_request');
    const paths = res.body.error.fields.map((f: { path: string }) => f.path);
    expect(paths).toEqual(expect.arrayContaining(['kind', 'name', 'capacity', 'price.amount', 'price.currency', '(body)']));
    expect(res.body.error.fields.find((f: { path: string }) => f.path === 'capacity').reason).toBe('must be 0 or more');
    expect(JSON.stringify(res.body)).not.toMatch(/at .*\.ts:\d+/);
    expect(await counts()).toEqual(before);
  });

  it('404 for an unknown or malformed offer id', async () => {
    const operator = await h.asOperator();
    await operator.get(`/offers/${randomUUID()}`).expect(404);
    const res = await operator.get('/offers/not-a-uuid').expect(404);
    expect(res.body.error).toMatchObject({ code: 'offer_not_found', message: 'No such offer' });
  });
});

describe('HTTP API: bookings', () => {
  it('accepts a booking with 202, a Location, and serves its state and events', async () => {
    const offers = await h.tripOffers();
    const body = h.request({ flight: offers.flight.id, hotel: offers.hotel.id, car: offers.car.id });
    const traveler = await h.asTraveler(body.traveler.email);
    const res = await traveler.post('/bookings').send(body).expect(202);
    expect(res.body).toEqual({ bookingId: expect.stringMatching(/^bk_/), status: 'PENDING' });
    expect(res.headers.location).toBe(`/bookings/${res.body.bookingId}`);
    const location = res.headers.location as string;

    await h.waitForStatus(res.body.bookingId, 'CONFIRMED');
    const view = await traveler.get(location).expect(200);
    expect(view.body).toMatchObject({
      bookingId: res.body.bookingId,
      status: 'CONFIRMED',
      traveler: body.traveler,
      reservations: {
        flight: { offerId: offers.flight.id, quantity: 2, status: 'RESERVED', amount: 20_000, currency: 'EUR' },
        hotel: { offerId: offers.hotel.id, quantity: 1, status: 'RESERVED' },
        car: { offerId: offers.car.id, quantity: 1, status: 'RESERVED' },
      },
      workflow: { workflowId: res.body.bookingId, url: `${h.temporalUiUrl}/namespaces/default/workflows/${res.body.bookingId}` },
    });
    expect(view.body.live).toMatchObject({ status: 'CONFIRMED' });

    const events = await traveler.get(`${location}/events`).expect(200);
    expect(events.body.events.map((e: { type: string }) => e.type)).toEqual([
      'com.tripsaga.booking.requested',
      'com.tripsaga.booking.status-changed',
      'com.tripsaga.flight.reserved',
      'com.tripsaga.hotel.reserved',
      'com.tripsaga.car.reserved',
      'com.tripsaga.payment.charged',
      'com.tripsaga.booking.confirmed',
      'com.tripsaga.booking.status-changed',
    ]);
    const positions = events.body.events.map((e: { position: string }) => BigInt(e.position));
    expect([...positions].sort((a, b) => (a < b ? -1 : 1))).toEqual(positions);
  });

  it('the same Idempotency-Key and body returns the same booking and starts nothing new', async () => {
    const offers = await h.tripOffers();
    const body = h.request({ flight: offers.flight.id, hotel: offers.hotel.id });
    const traveler = await h.asTraveler(body.traveler.email);
    const key = `key-${randomUUID()}`;
    const [a, b] = await Promise.all([
      traveler.post('/bookings').set('Idempotency-Key', key).send(body).expect(202),
      traveler.post('/bookings').set('Idempotency-Key', key).send(body).expect(202),
    ]);
    expect(b.body.bookingId).toBe(a.body.bookingId);
    const later = await traveler.post('/bookings').set('Idempotency-Key', key).send(body).expect(202);
    expect(later.body.bookingId).toBe(a.body.bookingId);
    expect(later.headers['idempotent-replayed']).toBe('true');
    expect(await h.prisma.booking.count({ where: { travelerEmail: body.traveler.email } })).toBe(1);
    await h.waitForStatus(a.body.bookingId, 'CONFIRMED');
    expect(await h.available(offers.flight.id)).toBe(8);

    const other = await traveler
      .post('/bookings')
      .set('Idempotency-Key', key)
      .send({ ...body, hotel: { ...body.hotel, rooms: 2 } })
      .expect(422);
    expect(other.body.error.code).toBe('idempotency_key_reused');
  });

  it('rejects invalid bookings with each field and reason, and writes nothing', async () => {
    const before = await counts();
    const traveler = await h.asTraveler('ada@example.com');
    const res = await traveler
      .post('/bookings')
      .send({ traveler: { name: ' ', email: 'nope' }, flight: { offerId: 'x', seats: 0 }, hotel: { offerId: randomUUID(), rooms: 2.5 } })
      .expect(400);
    expect(res.body.error.fields).toEqual(
      expect.arrayContaining([
        { path: 'traveler.name', reason: 'must not be empty' },
        { path: 'traveler.email', reason: 'must be an email address' },
        { path: 'flight.offerId', reason: 'must be an offer id (a UUID)' },
        { path: 'flight.seats', reason: 'must be at least 1' },
        { path: 'hotel.rooms', reason: 'must be a whole number of rooms' },
      ]),
    );
    const missing = await traveler.post('/bookings').send({}).expect(400);
    expect(missing.body.error.fields.map((f: { path: string }) => f.path)).toEqual(['traveler', 'flight', 'hotel']);
    const badKey = await traveler.post('/bookings').set('Idempotency-Key', 'has spaces').send({}).expect(400);
    expect(badKey.body.error.fields[0].path).toBe('headers.Idempotency-Key');
    expect(await counts()).toEqual(before);
  });

  it('an unknown offer or an offer of the wrong kind is 422 with the field, and writes nothing', async () => {
    const offers = await h.tripOffers();
    const before = await counts();
    const body = h.request({ flight: offers.hotel.id, hotel: randomUUID() });
    const res = await (await h.asTraveler(body.traveler.email))
      .post('/bookings')
      .send(body)
      .expect(422);
    expect(res.body.error).toMatchObject({ code: 'offer_not_bookable' });
    expect(res.body.error.fields).toEqual([
      { path: 'flight.offerId', reason: `offer ${offers.hotel.id} is a hotel offer, not a flight offer` },
      { path: 'hotel.offerId', reason: expect.stringMatching(/^no offer with id /) },
    ]);
    expect(await counts()).toEqual(before);
  });

  it('malformed JSON is 400, a non-JSON body 415, an oversized body 413, never a stack trace', async () => {
    const traveler = await h.asTraveler('ada@example.com');
    const malformed = await traveler.post('/bookings').set('Content-Type', 'application/json').send('{"traveler":').expect(400);
    expect(malformed.body.error.code).toBe('malformed_json');
    const text = await traveler.post('/bookings').set('Content-Type', 'text/plain').send('hello').expect(415);
    expect(text.body.error.code).toBe('unsupported_media_type');
    const huge = await traveler
      .post('/bookings')
      .send({ traveler: { name: 'x'.repeat(20_000), email: 'a@b.co' } })
      .expect(413);
    expect(huge.body.error.code).toBe('body_too_large');
    for (const res of [malformed, text, huge]) expect(JSON.stringify(res.body)).not.toMatch(/node_modules|\.ts:\d+/);
  });

  it('404 for an unknown booking, its events and its cancellation; 404 JSON for unknown routes, echoing nothing', async () => {
    const operator = await h.asOperator();
    const traveler = await h.asTraveler('ada@example.com');
    await operator.get('/bookings/bk_nope').expect(404);
    const events = await operator.get('/bookings/bk_nope/events').expect(404);
    expect(events.body.error).toMatchObject({ code: 'booking_not_found', message: 'No such booking' });
    const cancel = await traveler.post('/bookings/bk_nope/cancel').expect(404);
    expect(cancel.body.error.code).toBe('booking_not_found');
    const route = await request(h.app).get('/nowhere-<script>').expect(404);
    expect(route.body.error.code).toBe('not_found');
    expect(JSON.stringify(route.body)).not.toMatch(/nowhere|script/);
  });

  it('cancelling a compensated booking is 409', async () => {
    const offers = await h.tripOffers({ hotel: 0 });
    const body = h.request({ flight: offers.flight.id, hotel: offers.hotel.id });
    const traveler = await h.asTraveler(body.traveler.email);
    const res = await traveler.post('/bookings').send(body).expect(202);
    await h.waitForStatus(res.body.bookingId, 'COMPENSATED');
    const cancel = await traveler.post(`/bookings/${res.body.bookingId}/cancel`).expect(409);
    expect(cancel.body.error.code).toBe('nothing_to_cancel');
  });

  it('healthz answers; readyz checks the database and Temporal', async () => {
    await request(h.app).get('/healthz').expect(200, { status: 'ok' });
    expect((await request(h.app).get('/readyz').expect(200)).body).toEqual({ ready: true, checks: { database: 'ok', temporal: 'ok' } });
  });
});

describe('POST /bookings waiting for the outcome', () => {
  it('Prefer: wait=N answers 200 with the confirmed booking, the same body GET serves', async () => {
    const offers = await h.tripOffers();
    const body = h.request({ flight: offers.flight.id, hotel: offers.hotel.id, car: offers.car.id });
    const traveler = await h.asTraveler(body.traveler.email);
    const res = await traveler.post('/bookings').set('Prefer', 'respond-async, wait=20').send(body).expect(200);
    expect(res.headers['preference-applied']).toBe('wait=20');
    expect(res.headers.location).toBe(`/bookings/${res.body.bookingId}`);
    expect(res.body).toMatchObject({ status: 'CONFIRMED', live: { status: 'CONFIRMED', currentStep: null, payment: 'CHARGED' } });
    expect((await traveler.get(res.headers.location as string).expect(200)).body).toEqual(res.body);
    const history = await h.temporal.workflow.getHandle(res.body.bookingId).fetchHistory();
    expect(history.events?.some((e) => e.workflowExecutionUpdateCompletedEventAttributes)).toBe(true);
  });

  it('?wait=N answers 200 with a compensated booking and its reason', async () => {
    const offers = await h.tripOffers({ hotel: 0 });
    const body = h.request({ flight: offers.flight.id, hotel: offers.hotel.id });
    const res = await (await h.asTraveler(body.traveler.email)).post('/bookings?wait=20').send(body).expect(200);
    expect(res.body).toMatchObject({ status: 'COMPENSATED', failureReason: expect.stringMatching(/^hotel: OfferSoldOut/) });
    expect(res.body.live).toBeUndefined();
    expect(await h.available(offers.flight.id)).toBe(10);
  });

  it('a saga that does not settle in time is answered 202, and runs on', async () => {
    const offers = await h.tripOffers();
    const { createBookingService } = await import('../src/bookings/booking-service.ts');
    // No worker polls this queue: the saga cannot settle, as on a backlogged or down worker fleet.
    const unserved = createBookingService({
      prisma: h.prisma,
      temporal: h.temporal,
      taskQueue: `unserved-${randomUUID()}`,
      clock: { now: () => new Date() },
      temporalUiUrl: 'http://localhost:8233',
      travelerPseudonym: h.protection.travelerPseudonym,
    });
    const { booking, settled } = await unserved.createBooking(h.request({ flight: offers.flight.id, hotel: offers.hotel.id }), undefined, 1_000);
    expect(settled).toBeUndefined();
    expect((await h.prisma.booking.findUniqueOrThrow({ where: { id: booking.id } })).workflowStartedAt).not.toBeNull();
    const handle = h.temporal.workflow.getHandle(booking.id);
    expect((await handle.describe()).status.name).toBe('RUNNING');
    await handle.terminate('test over');
  });

  it('a bad wait is 400 with the field and the reason, and writes nothing', async () => {
    const offers = await h.tripOffers();
    const body = h.request({ flight: offers.flight.id, hotel: offers.hotel.id });
    const traveler = await h.asTraveler(body.traveler.email);
    const before = await counts();
    const cases = [
      { prefer: 'wait=soon', path: 'headers.Prefer', reason: 'wait must be a whole number of seconds' },
      { prefer: 'wait=31', path: 'headers.Prefer', reason: 'wait must be at most 30 seconds' },
      { query: '?wait=-1', path: 'query.wait', reason: 'wait must be a whole number of seconds' },
      { query: '?wait=2', prefer: 'wait=3', path: 'query.wait', reason: 'differs from the wait in the Prefer header' },
    ];
    for (const c of cases) {
      const call = traveler.post(`/bookings${c.query ?? ''}`);
      if (c.prefer) call.set('Prefer', c.prefer);
      const res = await call.send(body).expect(400);
      expect(res.body.error).toMatchObject({ code: 'invalid_request', fields: [{ path: c.path, reason: c.reason }] });
    }
    expect(await counts()).toEqual(before);
  });
});

describe('saga starter', () => {
  it('starts the saga of a booking whose start was lost', async () => {
    const offers = await h.tripOffers();
    // A booking accepted while Temporal was unreachable: committed, but its saga never started.
    const { createBookingService } = await import('../src/bookings/booking-service.ts');
    const { connectClient } = await import('../src/temporal/connection.ts');
    const deadClient = await connectClient(h.temporalAddress, h.protection.dataConverter);
    await deadClient.connection.close();
    const offline = createBookingService({
      prisma: h.prisma,
      temporal: deadClient,
      taskQueue: h.taskQueue,
      clock: { now: () => new Date() },
      temporalUiUrl: 'http://localhost:8233',
      travelerPseudonym: h.protection.travelerPseudonym,
    });
    const { booking } = await offline.createBooking(h.request({ flight: offers.flight.id, hotel: offers.hotel.id }));
    expect((await h.prisma.booking.findUniqueOrThrow({ where: { id: booking.id } })).workflowStartedAt).toBeNull();

    expect(await h.bookings.startPendingSagas({ olderThanMs: 0 })).toBeGreaterThanOrEqual(1);
    await h.waitForStatus(booking.id, 'CONFIRMED');
    expect((await h.prisma.booking.findUniqueOrThrow({ where: { id: booking.id } })).workflowStartedAt).not.toBeNull();
  });

  it('starting a booking whose saga already runs finds that run: one saga per booking id', async () => {
    const offers = await h.tripOffers();
    const key = `key-${randomUUID()}`;
    const body = h.request({ flight: offers.flight.id, hotel: offers.hotel.id });
    const { bookingId } = (await (await h.asTraveler(body.traveler.email)).post('/bookings').set('Idempotency-Key', key).send(body).expect(202)).body;
    await h.waitForStatus(bookingId, 'CONFIRMED');
    const { runId } = await h.temporal.workflow.getHandle(bookingId).describe();

    // As if the mark of the first start had been lost: the replayed request starts the saga again.
    await h.prisma.booking.update({ where: { id: bookingId }, data: { workflowStartedAt: null } });
    const again = await (await h.asTraveler(body.traveler.email)).post('/bookings').set('Idempotency-Key', key).send(body).expect(202);
    expect(again.body.bookingId).toBe(bookingId);
    expect((await h.prisma.booking.findUniqueOrThrow({ where: { id: bookingId } })).workflowStartedAt).not.toBeNull();
    expect((await h.temporal.workflow.getHandle(bookingId).describe()).runId).toBe(runId);
    expect(await h.available(offers.flight.id)).toBe(8); // two seats taken once
  });
});
