import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventType } from '../src/events/event-types.ts';
import { appendOutboxEvents } from '../src/outbox/append-event.ts';
import { createJetStreamPublisher } from '../src/transport/jetstream/publisher.ts';
import type { PendingEvent } from '../src/transport/event-transport.ts';
import type { TimelineEntry } from '../src/timeline/timeline-view.ts';
import { type BookingPipeline, startBookingPipeline } from './support/booking-pipeline.ts';
import { readStream } from './support/nats.ts';

// GET /bookings/:id/timeline over the real parts: a saga on the Temporal dev server, the relay publishing to
// JetStream, the default consumers applying from it. Every entry is checked against the record it comes from.

let p: BookingPipeline;
beforeAll(async () => {
  p = await startBookingPipeline('timeline');
});
afterAll(async () => {
  await p?.stop();
});

type Entry = TimelineEntry;
const ofKind = <K extends Entry['kind']>(entries: Entry[], kind: K) => entries.filter((e): e is Extract<Entry, { kind: K }> => e.kind === kind);
const indexOf = (entries: Entry[], match: (e: Entry) => boolean) => {
  const i = entries.findIndex(match);
  expect(i, 'an entry that should be there').toBeGreaterThanOrEqual(0);
  return i;
};

/** Books through the API as the traveler, with an Idempotency-Key, and returns the booking id. */
async function bookThroughApi(offers: { flight: string; hotel: string; car?: string }) {
  const body = p.h.request(offers);
  const traveler = await p.h.asTraveler(body.traveler.email);
  const key = `timeline-${randomUUID()}`;
  const accepted = await traveler.post('/bookings').set('Idempotency-Key', key).send(body).expect(202);
  return { bookingId: accepted.body.bookingId as string, key, traveler };
}

async function timelineOf(bookingId: string) {
  const res = await (await p.h.asOwnerOf(bookingId)).get(`/bookings/${bookingId}/timeline`).expect(200);
  expect(res.headers['cache-control']).toBe('no-store');
  return res.body as { bookingId: string; status: string; workflow: Record<string, string>; entries: Entry[] };
}

function expectTimeOrder(entries: Entry[]) {
  const times = entries.map((e) => Date.parse(e.at));
  expect(times).toEqual([...times].sort((a, b) => a - b));
}

/** The outbox and inbox entries say exactly what their rows say, and each apply comes after the event it applied. */
async function expectPipelineEntries(bookingId: string, entries: Entry[]) {
  const rows = await p.h.prisma.outboxEvent.findMany({ where: { aggregateId: bookingId }, orderBy: { position: 'asc' } });
  const events = ofKind(entries, 'event');
  expect(events.map((e) => e.eventId)).toEqual(rows.map((r) => r.id));
  // The sequence the relay recorded is where the event is in the stream: read the stream itself.
  const stream = new Map((await readStream(p.nc, p.topology.eventsStream)).map((m) => [m.event.id, m.seq]));
  for (const [i, row] of rows.entries()) {
    expect(events[i]).toMatchObject({ type: row.type, sequence: row.sequence, publishedAt: row.publishedAt!.toISOString() });
    expect(events[i]!.streamSequence, row.type).toBe(stream.get(row.id));
    expect(Date.parse(events[i]!.publishedAt!)).toBeGreaterThanOrEqual(Date.parse(events[i]!.at));
  }
  const inbox = await p.h.prisma.consumerInboxEvent.findMany({ where: { bookingId } });
  const applies = ofKind(entries, 'apply');
  expect(applies).toHaveLength(rows.length * p.consumers.length);
  expect(new Set(applies.map((a) => a.consumer))).toEqual(new Set(p.consumers));
  for (const row of inbox) {
    const at = indexOf(entries, (e) => e.kind === 'apply' && e.consumer === row.consumer && e.eventId === row.eventId);
    expect(entries[at]).toMatchObject({ outcome: row.outcome, sequence: row.sequence, at: row.processedAt.toISOString() });
    expect(at, `${row.consumer} applied ${row.type} after it was written`).toBeGreaterThan(indexOf(entries, (e) => e.kind === 'event' && e.eventId === row.eventId));
  }
}

describe('GET /bookings/:id/timeline', () => {
  it('tells a confirmed trip: the request, the saga and its steps, each event with its stream sequence, each consumer applying it', async () => {
    const offers = await p.h.tripOffers();
    const { bookingId, key } = await bookThroughApi({ flight: offers.flight.id, hotel: offers.hotel.id, car: offers.car.id });
    await p.h.waitForStatus(bookingId, 'CONFIRMED');
    await p.settled(bookingId);
    const timeline = await timelineOf(bookingId);
    const { entries } = timeline;
    expectTimeOrder(entries);

    expect(entries[0]).toMatchObject({ kind: 'request', source: 'api', method: 'POST', path: '/bookings', idempotencyKey: key });
    expect(timeline.workflow).toMatchObject({ state: 'found', workflowId: bookingId, status: 'RUNNING' });
    const runId = timeline.workflow.runId!;
    expect(timeline.workflow.url).toBe(`${p.h.temporalUiUrl}/namespaces/default/workflows/${bookingId}/${runId}/history`);

    expect(ofKind(entries, 'workflow').map((e) => e.event)).toEqual(['started']); // open for cancellation
    const steps = ofKind(entries, 'step');
    expect(steps.map((s) => [s.activityId, s.outcome, s.compensation])).toEqual([
      ['reserve-flight', 'completed', false],
      ['reserve-hotel', 'completed', false],
      ['reserve-car', 'completed', false],
      ['charge-payment', 'completed', false],
      ['confirm', 'completed', false],
    ]);
    expect(steps[0]!.title).toMatch(/^Reserve flight .+ ×2$/);
    for (const step of steps) {
      expect(step.attempts).toBe(1);
      expect(step.links.temporalUi).toBe(`${timeline.workflow.url}/events/${step.historyEventId}`);
    }

    await expectPipelineEntries(bookingId, entries);
    // Causes before effects: the request before the saga, a step before the event it wrote, the booking's own order.
    const started = indexOf(entries, (e) => e.kind === 'workflow' && e.event === 'started');
    expect(started).toBeGreaterThan(0);
    const step = (id: string) => indexOf(entries, (e) => e.kind === 'step' && e.activityId === id);
    const event = (type: string) => indexOf(entries, (e) => e.kind === 'event' && e.type === type);
    expect(event(EventType.bookingRequested)).toBeLessThan(started);
    expect(step('reserve-flight')).toBeLessThan(event(EventType.flightReserved));
    expect(event(EventType.flightReserved)).toBeLessThan(step('reserve-hotel'));
    expect(step('charge-payment')).toBeLessThan(event(EventType.paymentCharged));
    expect(step('confirm')).toBeLessThan(event(EventType.bookingConfirmed));
  });

  it('tells a compensated trip: the refused step with its reason, then the compensations in reverse order', async () => {
    const flight = await p.h.offer('flight', 5, 'TP123 Lisbon-Paris');
    const hotel = await p.h.offer('hotel', 5, 'Ritz Paris');
    const car = await p.h.offer('car', 0, 'Compact');
    const { bookingId } = await bookThroughApi({ flight: flight.id, hotel: hotel.id, car: car.id });
    await p.h.waitForStatus(bookingId, 'COMPENSATED');
    await p.settled(bookingId);
    const { entries, workflow } = await timelineOf(bookingId);
    expectTimeOrder(entries);
    expect(workflow).toMatchObject({ state: 'found', status: 'COMPLETED' });

    expect(ofKind(entries, 'step').map((s) => [s.title, s.outcome, s.compensation])).toEqual([
      ['Reserve flight TP123 Lisbon-Paris ×2', 'completed', false],
      ['Reserve hotel Ritz Paris ×1', 'completed', false],
      ['Reserve car Compact ×1', 'failed', false],
      ['Cancel car Compact ×1 (compensation)', 'completed', true],
      ['Cancel hotel Ritz Paris ×1 (compensation)', 'completed', true],
      ['Cancel flight TP123 Lisbon-Paris ×2 (compensation)', 'completed', true],
      ['Mark the booking COMPENSATED', 'completed', false],
    ]);
    expect(ofKind(entries, 'step')[2]!.failure).toBe('Compact is sold out: 1 wanted, 0 of 0 left');
    expect(ofKind(entries, 'workflow').map((e) => e.event)).toEqual(['started', 'completed']);
    expect(entries.at(-1)).toMatchObject({ kind: 'apply' }); // the consumers apply the outcome after the saga closed
    await expectPipelineEntries(bookingId, entries);
    const releasedHotel = indexOf(entries, (e) => e.kind === 'event' && e.type === EventType.hotelReleased);
    expect(releasedHotel).toBeGreaterThan(indexOf(entries, (e) => e.kind === 'step' && e.activityId === 'cancel-hotel'));
  });

  it('tells a booking that has no workflow from the database alone: the request, its events, their applies', async () => {
    // Written as the API writes a booking, without starting a saga: what a booking coordinated by events looks like
    // to the timeline, and what one whose saga never started looks like.
    const bookingId = `bk_${randomUUID()}`;
    const email = `nobody+${randomUUID().slice(0, 8)}@example.com`;
    const offers = await p.h.tripOffers();
    const now = new Date();
    await p.h.prisma.$transaction(async (tx) => {
      await tx.booking.create({
        data: { id: bookingId, travelerName: 'Ada', travelerEmail: email, request: { flight: { offerId: offers.flight.id, seats: 1 }, hotel: { offerId: offers.hotel.id, rooms: 1 } }, createdAt: now, updatedAt: now },
      });
      await appendOutboxEvents(tx, [
        {
          bookingId,
          type: EventType.bookingRequested,
          data: { bookingId, traveler: { name: 'Ada', email }, trip: { flight: { offerId: offers.flight.id, quantity: 1 }, hotel: { offerId: offers.hotel.id, quantity: 1 }, car: null } },
          occurredAt: now,
        },
        { bookingId, type: EventType.bookingStatusChanged, data: { bookingId }, occurredAt: now },
      ]);
    });
    await p.settled(bookingId);
    const { entries, workflow, status } = await timelineOf(bookingId);
    expect(workflow).toEqual({ state: 'none' });
    expect(status).toBe('PENDING');
    expectTimeOrder(entries);
    expect(entries.filter((e) => e.source === 'temporal')).toEqual([]);
    expect(entries[0]).toMatchObject({ kind: 'request', idempotencyKey: null });
    expect(ofKind(entries, 'event').map((e) => e.type)).toEqual([EventType.bookingRequested, EventType.bookingStatusChanged]);
    await expectPipelineEntries(bookingId, entries);
    expect(entries).toHaveLength(1 + 2 + 2 * p.consumers.length);
  });

  it('answers the owner and operators; another traveler and an unknown booking get 404, no token 401', async () => {
    const offers = await p.h.tripOffers();
    const { bookingId } = await bookThroughApi({ flight: offers.flight.id, hotel: offers.hotel.id });
    const path = `/bookings/${bookingId}/timeline`;
    await (await p.h.asOwnerOf(bookingId)).get(path).expect(200);
    await (await p.h.asOperator()).get(path).expect(200);
    const stranger = await (await p.h.asTraveler(`stranger+${randomUUID().slice(0, 8)}@example.com`)).get(path).expect(404);
    expect(stranger.body.error).toMatchObject({ code: 'booking_not_found' });
    await (await p.h.asOperator()).get('/bookings/bk_does-not-exist/timeline').expect(404);
    const anonymous = await request(p.h.app).get(path).expect(401);
    expect(anonymous.headers['www-authenticate']).toBe('Bearer realm="tripsaga"');
    // The booking links to it, and to the page.
    const view = await (await p.h.asOwnerOf(bookingId)).get(`/bookings/${bookingId}`).expect(200);
    expect(view.body.links).toEqual({ events: `/bookings/${bookingId}/events`, timeline: path, timelinePage: `${path}.html` });
  });

  it('records the stream sequence of a re-sent event as the one the stream first stored', async () => {
    // What the relay sees after a crash between the broker's ack and its mark: the same events published again.
    const offers = await p.h.tripOffers();
    const { bookingId } = await bookThroughApi({ flight: offers.flight.id, hotel: offers.hotel.id });
    await p.settled(bookingId);
    const rows = await p.h.prisma.outboxEvent.findMany({ where: { aggregateId: bookingId }, orderBy: { position: 'asc' } });
    const pending: PendingEvent[] = rows;
    const again = await createJetStreamPublisher({ nc: p.nc, topology: p.topology }).publish([pending]);
    expect(again.duplicates).toBe(rows.length);
    expect(again.delivered.map((d) => d.streamSequence)).toEqual(rows.map((r) => Number(r.streamSequence)));
  });
});
