import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFakePaymentProvider, fakeCardLimit } from '../activities/fake-payment-provider.ts';
import { getBookingStateQuery } from '../workflows/messages.ts';
import { type Harness, startHarness } from './support/harness.ts';
import { confirmedTripEvents } from './support/expected-events.ts';

const provider = createFakePaymentProvider();
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ payments: provider });
});
afterAll(async () => {
  await h?.stop();
});

/** Flight 2 × 129.00, hotel 1 × 450.00 (or `hotelPrice`), car 30.00: 738.00 EUR. */
const tripTotal = 2 * 12_900 + 45_000 + 3_000;

async function pricedTrip(hotelPrice = 45_000) {
  const flight = await h.offer('flight', 10, 'TP123 Lisbon-Paris', 12_900);
  const hotel = await h.offer('hotel', 10, 'Ritz Paris', hotelPrice);
  const car = await h.offer('car', 10, 'Compact', 3_000);
  return { flight, hotel, car, request: h.request({ flight: flight.id, hotel: hotel.id, car: car.id }, 2, 1) };
}

async function scheduledActivities(bookingId: string) {
  const events = (await h.temporal.workflow.getHandle(bookingId).fetchHistory()).events ?? [];
  return events.flatMap((e) => (e.activityTaskScheduledEventAttributes ? [e.activityTaskScheduledEventAttributes.activityId] : []));
}

describe('the payment step', () => {
  it("charges the trip's total once, after the car and before the booking is confirmed", async () => {
    const trip = await pricedTrip();
    const id = await h.book(trip.request);
    await h.waitForStatus(id, 'CONFIRMED');

    expect(await h.eventTypes(id)).toEqual([...confirmedTripEvents]);
    expect(await scheduledActivities(id)).toEqual(['reserve-flight', 'reserve-hotel', 'reserve-car', 'charge-payment', 'confirm']);
    const charges = provider.ledger().charges.filter((c) => c.reference === `${id}:charge-payment`);
    expect(charges).toMatchObject([{ amount: tripTotal, currency: 'EUR', outcome: 'charged' }]);
    const view = await (await h.asOperator()).get(`/bookings/${id}`).expect(200);
    expect(view.body.payment).toEqual({ status: 'CHARGED', amount: tripTotal, currency: 'EUR' });
    expect(view.body.live).toMatchObject({ payment: 'CHARGED' });
  });

  it('a declined charge is a business failure: the car, hotel and flight are given back and the booking is COMPENSATED', async () => {
    const trip = await pricedTrip(fakeCardLimit + 1);
    const id = await h.book(trip.request);

    const booking = await h.waitForStatus(id, 'COMPENSATED');
    expect(booking.failureReason).toMatch(/^payment: PaymentDeclined: \d+\.\d\d EUR declined: insufficient_funds/);
    expect(await h.eventTypes(id)).toEqual([
      'booking.requested',
      'booking.status-changed',
      'flight.reserved',
      'hotel.reserved',
      'car.reserved',
      'car.released',
      'hotel.released',
      'flight.released',
      'booking.compensated',
      'booking.status-changed',
    ]);
    // The refund was registered before the charge, so it ran too, and recorded that no money had moved.
    expect(await scheduledActivities(id)).toEqual([
      'reserve-flight',
      'reserve-hotel',
      'reserve-car',
      'charge-payment',
      'refund-payment',
      'cancel-car',
      'cancel-hotel',
      'cancel-flight',
      'record-compensated',
    ]);
    const refund = await h.prisma.sagaStep.findUniqueOrThrow({ where: { idempotencyKey: `${id}:refund-payment` } });
    expect(refund.result).toEqual({ outcome: 'nothing-to-undo' });
    expect(await h.prisma.payment.count({ where: { bookingId: id } })).toBe(0);
    expect([await h.available(trip.flight.id), await h.available(trip.hotel.id), await h.available(trip.car.id)]).toEqual([10, 10, 10]);
    const live = await h.temporal.workflow.getHandle(id).query(getBookingStateQuery);
    expect(live).toMatchObject({ status: 'COMPENSATED', payment: 'FAILED' });
  });

  it('cancelling a confirmed trip refunds the charge first, then gives back the car, hotel and flight', async () => {
    const trip = await pricedTrip();
    const id = await h.book(trip.request);
    await h.waitForStatus(id, 'CONFIRMED');

    await (await h.asOwnerOf(id)).post(`/bookings/${id}/cancel`).send({ reason: 'plans changed' }).expect(202);
    await h.waitForStatus(id, 'CANCELLED');

    expect((await h.eventTypes(id)).slice(6)).toEqual([
      'booking.confirmed',
      'booking.status-changed',
      'payment.refunded',
      'car.released',
      'hotel.released',
      'flight.released',
      'booking.cancelled',
      'booking.status-changed',
    ]);
    const payment = await h.prisma.payment.findUniqueOrThrow({ where: { bookingId: id } });
    expect(payment).toMatchObject({ status: 'REFUNDED', amount: tripTotal });
    expect(provider.ledger().refunds.filter((r) => r.chargeId === payment.providerChargeId)).toHaveLength(1);
    const view = await (await h.asOperator()).get(`/bookings/${id}`).expect(200);
    expect(view.body.payment).toEqual({ status: 'REFUNDED', amount: tripTotal, currency: 'EUR' });
  });
});
