import { setTimeout as sleep } from 'node:timers/promises';
import type { Payload } from '@temporalio/common';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getBookingStateQuery } from '../workflows/messages.ts';
import { type Harness, startHarness } from './support/harness.ts';
import { confirmedTripEvents } from './support/expected-events.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

describe('bookTrip saga', () => {
  it('confirms a trip: three reservations, inventory taken, the total charged, events in commit order', async () => {
    const offers = await h.tripOffers();
    const id = await h.book(h.request({ flight: offers.flight.id, hotel: offers.hotel.id, car: offers.car.id }, 2, 1));

    await h.waitForStatus(id, 'CONFIRMED');
    const reservations = await h.prisma.reservation.findMany({ where: { bookingId: id }, orderBy: { createdAt: 'asc' } });
    expect(reservations.map((r) => [r.kind, r.quantity, r.status])).toEqual([
      ['flight', 2, 'RESERVED'],
      ['hotel', 1, 'RESERVED'],
      ['car', 1, 'RESERVED'],
    ]);
    expect([await h.available(offers.flight.id), await h.available(offers.hotel.id), await h.available(offers.car.id)]).toEqual([8, 9, 9]);
    expect(await h.eventTypes(id)).toEqual([...confirmedTripEvents]);
    const live = await h.temporal.workflow.getHandle(id).query(getBookingStateQuery);
    expect(live).toMatchObject({
      status: 'CONFIRMED',
      currentStep: null,
      reservations: { flight: 'RESERVED', hotel: 'RESERVED', car: 'RESERVED' },
      payment: 'CHARGED',
    });
  });

  it('a sold-out flight: nothing is taken and the booking ends COMPENSATED with the reason', async () => {
    const offers = await h.tripOffers({ flight: 1 });
    const id = await h.book(h.request({ flight: offers.flight.id, hotel: offers.hotel.id, car: offers.car.id }, 2));

    const booking = await h.waitForStatus(id, 'COMPENSATED');
    expect(booking.failureReason).toMatch(/^flight: OfferSoldOut: .* 2 wanted, 1 of 1 left$/);
    expect(await h.prisma.reservation.count({ where: { bookingId: id } })).toBe(0);
    expect(await h.available(offers.flight.id)).toBe(1);
    expect(await h.eventTypes(id)).toEqual([
      'booking.requested',
      'booking.status-changed',
      'booking.compensated',
      'booking.status-changed',
    ]);
    // The compensation of the failed step ran and recorded that there was nothing to undo.
    const noOp = await h.prisma.sagaStep.findUniqueOrThrow({ where: { idempotencyKey: `${id}:cancel-flight` } });
    expect(noOp.result).toEqual({ kind: 'flight', outcome: 'nothing-to-undo' });
  });

  it('a sold-out hotel: the flight is given back', async () => {
    const offers = await h.tripOffers({ hotel: 0 });
    const id = await h.book(h.request({ flight: offers.flight.id, hotel: offers.hotel.id, car: offers.car.id }));

    const booking = await h.waitForStatus(id, 'COMPENSATED');
    expect(booking.failureReason).toMatch(/^hotel: OfferSoldOut/);
    expect(await h.eventTypes(id)).toEqual([
      'booking.requested',
      'booking.status-changed',
      'flight.reserved',
      'flight.released',
      'booking.compensated',
      'booking.status-changed',
    ]);
    expect(await h.available(offers.flight.id)).toBe(10);
    expect(await h.available(offers.hotel.id)).toBe(0);
  });

  it('a sold-out car: hotel then flight are undone, in reverse order, and availability is restored', async () => {
    const offers = await h.tripOffers({ car: 0 });
    const id = await h.book(h.request({ flight: offers.flight.id, hotel: offers.hotel.id, car: offers.car.id }, 3, 2));

    const booking = await h.waitForStatus(id, 'COMPENSATED');
    expect(booking.failureReason).toMatch(/^car: OfferSoldOut/);
    expect(await h.eventTypes(id)).toEqual([
      'booking.requested',
      'booking.status-changed',
      'flight.reserved',
      'hotel.reserved',
      'hotel.released',
      'flight.released',
      'booking.compensated',
      'booking.status-changed',
    ]);
    expect([await h.available(offers.flight.id), await h.available(offers.hotel.id)]).toEqual([10, 10]);
    const reservations = await h.prisma.reservation.findMany({ where: { bookingId: id } });
    expect(reservations.map((r) => r.status)).toEqual(['CANCELLED', 'CANCELLED']);

    const view = await (await h.asOperator()).get(`/bookings/${id}`).expect(200);
    expect(view.body).toMatchObject({
      status: 'COMPENSATED',
      failureReason: booking.failureReason,
      reservations: { flight: { status: 'CANCELLED' }, hotel: { status: 'CANCELLED' }, car: { status: 'NOT_RESERVED' } },
    });
  });

  it('is findable and readable in the Temporal UI: search attributes, memo, summaries, step-named activities', async () => {
    const flight = await h.offer('flight', 5, 'TP123 Lisbon-Paris');
    const hotel = await h.offer('hotel', 5, 'Ritz Paris');
    const car = await h.offer('car', 0, 'Compact');
    const request = h.request({ flight: flight.id, hotel: hotel.id, car: car.id }, 2, 1);
    const id = await h.book(request);
    await h.waitForStatus(id, 'COMPENSATED');

    const handle = h.temporal.workflow.getHandle(id);
    // Temporal indexes the traveler by a keyed pseudonym, never by the email itself.
    const traveler = h.protection.travelerPseudonym(request.traveler.email);
    expect(traveler).not.toContain(request.traveler.email.split('@')[0]);
    const query = `BookingStatus = "COMPENSATED" AND FailedStep = "car" AND TravelerEmail = "${traveler}"`;
    await waitFor(async () => {
      for await (const w of h.temporal.workflow.list({ query })) if (w.workflowId === id) return true;
      return false;
    });
    const description = await handle.describe();
    // The three ways to find a booking in docs/temporal-ui.md, in the form it gives them; "the day" is the saga's UTC start day.
    const dayOf = (offsetDays: number) => new Date(description.startTime.getTime() + offsetDays * 86_400_000).toISOString().slice(0, 10);
    const compensatedOn = (day: string, nextDay: string) =>
      `BookingStatus = "COMPENSATED" AND StartTime >= "${day}T00:00:00Z" AND StartTime < "${nextDay}T00:00:00Z"`;
    expect(await listed(`WorkflowId = "${id}"`)).toEqual([id]);
    expect(await listed(`TravelerEmail = "${traveler}"`)).toEqual([id]);
    expect(await listed(`TravelerEmail = "${request.traveler.email}"`)).toEqual([]);
    expect(await listed(compensatedOn(dayOf(0), dayOf(1)))).toContain(id);
    expect(await listed(compensatedOn(dayOf(1), dayOf(2)))).not.toContain(id);
    expect(await listed(`BookingStatus = "CONFIRMED" AND TravelerEmail = "${traveler}"`)).toEqual([]);
    expect(await description.memo).toEqual({
      traveler: `Ada Lovelace <${request.traveler.email}>`,
      flight: 'TP123 Lisbon-Paris ×2',
      hotel: 'Ritz Paris ×1',
      car: 'Compact ×1',
    });
    expect(await description.staticSummary()).toBe('Trip: TP123 Lisbon-Paris ×2 → Ritz Paris ×1 → Compact ×1');
    expect(await description.staticDetails()).toBe(
      ['- Flight: TP123 Lisbon-Paris ×2', '- Hotel: Ritz Paris ×1', '- Car: Compact ×1'].join('\n'),
    );

    const events = (await handle.fetchHistory()).events ?? [];
    const scheduled = events.filter((e) => e.activityTaskScheduledEventAttributes).map((e) => e.activityTaskScheduledEventAttributes!.activityId);
    expect(scheduled).toEqual(['reserve-flight', 'reserve-hotel', 'reserve-car', 'cancel-car', 'cancel-hotel', 'cancel-flight', 'record-compensated']);
    const summaries = await Promise.all(
      events.filter((e) => e.activityTaskScheduledEventAttributes).map((e) => summaryOf(e.userMetadata?.summary)),
    );
    expect(summaries).toEqual([
      'Reserve flight TP123 Lisbon-Paris ×2',
      'Reserve hotel Ritz Paris ×1',
      'Reserve car Compact ×1',
      'Cancel car Compact ×1 (compensation)',
      'Cancel hotel Ritz Paris ×1 (compensation)',
      'Cancel flight TP123 Lisbon-Paris ×2 (compensation)',
      'Mark the booking COMPENSATED',
    ]);
  });

  it('a trip without a car is confirmed with two reservations', async () => {
    const offers = await h.tripOffers();
    const id = await h.book(h.request({ flight: offers.flight.id, hotel: offers.hotel.id }));
    await h.waitForStatus(id, 'CONFIRMED');
    expect(await h.eventTypes(id)).toEqual([
      'booking.requested',
      'booking.status-changed',
      'flight.reserved',
      'hotel.reserved',
      'payment.charged',
      'booking.confirmed',
      'booking.status-changed',
    ]);
    const view = await (await h.asOperator()).get(`/bookings/${id}`).expect(200);
    expect(view.body.reservations.car).toBeNull();
  });

  it('cancel while running: the step in flight and the ones before it are undone', async () => {
    const offers = await h.tripOffers();
    // Hold the hotel offer's row so the hotel step blocks inside its transaction: the saga is provably mid-way.
    const blocker = new pg.Client({ connectionString: h.databaseUrl });
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query('SELECT id FROM offers WHERE id = $1 FOR UPDATE', [offers.hotel.id]);
    try {
      const id = await h.book(h.request({ flight: offers.flight.id, hotel: offers.hotel.id, car: offers.car.id }));
      await waitFor(async () => (await h.temporal.workflow.getHandle(id).query(getBookingStateQuery)).reservations.hotel === 'RESERVING');

      const accepted = await (await h.asOwnerOf(id)).post(`/bookings/${id}/cancel`).send({ reason: 'changed my mind' }).expect(202);
      expect(accepted.body).toEqual({ bookingId: id, status: 'CANCELLING' });
      await blocker.query('ROLLBACK');

      const booking = await h.waitForStatus(id, 'CANCELLED');
      expect(booking.failureReason).toBe('changed my mind');
      // The hotel attempt may commit after the cancel was asked for; either way every unit goes back.
      expect([await h.available(offers.flight.id), await h.available(offers.hotel.id), await h.available(offers.car.id)]).toEqual([10, 10, 10]);
      const events = await h.eventTypes(id);
      expect(events.slice(-2)).toEqual(['booking.cancelled', 'booking.status-changed']);
      expect(events).not.toContain('car.reserved');
      expect(events.filter((e) => e.endsWith('.reserved')).length).toBe(events.filter((e) => e.endsWith('.released')).length);
      expect(events.indexOf('flight.released')).toBeGreaterThan(events.lastIndexOf('hotel.released'));
      await (await h.asOwnerOf(id)).post(`/bookings/${id}/cancel`).expect(409);
    } finally {
      await blocker.end();
    }
  });

  it('cancel after confirmation refunds the charge and undoes every reservation, in reverse order', async () => {
    const offers = await h.tripOffers();
    const id = await h.book(h.request({ flight: offers.flight.id, hotel: offers.hotel.id, car: offers.car.id }, 2, 2));
    await h.waitForStatus(id, 'CONFIRMED');

    await (await h.asOwnerOf(id)).post(`/bookings/${id}/cancel`).expect(202);
    await h.waitForStatus(id, 'CANCELLED');
    expect(await h.eventTypes(id)).toEqual([
      ...confirmedTripEvents,
      'payment.refunded',
      'car.released',
      'hotel.released',
      'flight.released',
      'booking.cancelled',
      'booking.status-changed',
    ]);
    expect([await h.available(offers.flight.id), await h.available(offers.hotel.id), await h.available(offers.car.id)]).toEqual([10, 10, 10]);
    const again = await (await h.asOwnerOf(id)).post(`/bookings/${id}/cancel`).expect(409);
    expect(again.body.error.code).toBe('nothing_to_cancel');
  });

  it('cancelling the workflow itself (e.g. from the Temporal UI) also undoes the trip', async () => {
    const offers = await h.tripOffers();
    const id = await h.book(h.request({ flight: offers.flight.id, hotel: offers.hotel.id }));
    await h.waitForStatus(id, 'CONFIRMED');
    await h.temporal.workflow.getHandle(id).cancel();
    const booking = await h.waitForStatus(id, 'CANCELLED');
    expect(booking.failureReason).toBe('the saga was cancelled');
    expect([await h.available(offers.flight.id), await h.available(offers.hotel.id)]).toEqual([10, 10]);
  });

  it('20 bookings racing for 5 seats: exactly 5 keep them, the rest are undone, availability ends at 0', async () => {
    const flight = await h.offer('flight', 5);
    const hotel = await h.offer('hotel', 100);
    const ids = await Promise.all(
      Array.from({ length: 20 }, () => h.book(h.request({ flight: flight.id, hotel: hotel.id }, 1, 1))),
    );
    const finals = await Promise.all(
      ids.map(async (id) => {
        const deadline = Date.now() + 90_000;
        for (;;) {
          const b = await h.prisma.booking.findUniqueOrThrow({ where: { id } });
          if (b.status !== 'PENDING') return b.status;
          if (Date.now() > deadline) throw new Error(`${id} still PENDING`);
          await sleep(200);
        }
      }),
    );
    expect(finals.filter((s) => s === 'CONFIRMED')).toHaveLength(5);
    expect(finals.filter((s) => s === 'COMPENSATED')).toHaveLength(15);
    expect(await h.available(flight.id)).toBe(0);
    expect(await h.available(hotel.id)).toBe(95);
    expect(await h.prisma.reservation.count({ where: { offerId: flight.id, status: 'RESERVED' } })).toBe(5);
    // "Never below zero" is the database's promise, not ours to remember: the CHECK refuses it outright.
    await expect(h.prisma.offer.update({ where: { id: flight.id }, data: { available: { decrement: 1 } } })).rejects.toThrow(
      /offers_available_non_negative|check constraint/i,
    );
  }, 120_000);
});

async function listed(query: string) {
  const ids: string[] = [];
  for await (const workflow of h.temporal.workflow.list({ query })) ids.push(workflow.workflowId);
  return ids;
}

/** User metadata is a payload; the UI decodes it with the default (JSON) converter, as we do here. */
/** A summary as the history holds it: encrypted by the payload codec. */
async function summaryOf(payload: Payload | null | undefined) {
  if (!payload) return undefined;
  const [plain] = await h.protection.codec.decode([payload]);
  return plain?.data ? JSON.parse(Buffer.from(plain.data).toString('utf8')) : undefined;
}

async function waitFor(predicate: () => Promise<boolean>, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await predicate().catch(() => false)) return;
    await sleep(100);
  }
  throw new Error('condition not met in time');
}
