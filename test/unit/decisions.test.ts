import { describe, expect, it } from 'vitest';
import { type BookingView, bookingLinks } from '../../src/bookings/booking-view.ts';
import { notificationFor } from '../../src/consumers/status-updates/trip-notifications.ts';
import { reservationOrder } from '../../workflows/trip-plan.ts';

// Pure functions that decide what happens next: what the traveler is told, which step the saga takes first.

describe('what the traveler is told', () => {
  const booking = (status: BookingView['status'], failureReason?: string): BookingView => ({
    bookingId: 'bk_1',
    status,
    traveler: { name: 'Ada', email: 'ada@example.com' },
    reservations: {
      flight: { offerId: 'f', quantity: 2, status: 'RESERVED', amount: 40_000, currency: 'EUR' },
      hotel: { offerId: 'h', quantity: 1, status: status === 'CONFIRMED' ? 'RESERVED' : 'CANCELLED', amount: 9_000, currency: 'EUR' },
      car: null,
    },
    payment: null,
    ...(failureReason ? { failureReason } : {}),
    coordination: 'orchestration',
    workflow: {
      workflowId: 'bk_1',
      url: 'http://localhost:8233/namespaces/default/workflows/bk_1',
      travelerPseudonym: 'tp_1',
      travelerSagasUrl: 'http://localhost:8233/namespaces/default/workflows?query=TravelerPseudonym%3D%22tp_1%22',
    },
    links: bookingLinks('bk_1'),
    createdAt: '2026-12-01T08:00:00.000Z',
    updatedAt: '2026-12-01T08:00:01.000Z',
  });

  it('a confirmed trip: the reservations held and their total, one message per booking and status', () => {
    expect(notificationFor(booking('CONFIRMED'))).toEqual({
      dedupeKey: 'bk_1:CONFIRMED',
      bookingId: 'bk_1',
      status: 'CONFIRMED',
      to: 'ada@example.com',
      subject: 'Your trip is confirmed',
      text: 'Your trip bk_1 is booked: 2 reservations, 490.00 EUR in total.',
    });
  });

  it('a trip that could not be booked says why and that nothing was charged', () => {
    expect(notificationFor(booking('COMPENSATED', 'car: OfferSoldOut: Compact is sold out'))).toMatchObject({
      dedupeKey: 'bk_1:COMPENSATED',
      subject: 'We could not book your trip',
      text: 'We could not book your trip bk_1 (car: OfferSoldOut: Compact is sold out); nothing was charged.',
    });
    expect(notificationFor(booking('CANCELLED')).text).toBe('Your trip bk_1 is cancelled (on request).');
  });
});

describe('the order the saga reserves in', () => {
  const step = (offerId: string) => ({ offerId, quantity: 1 });

  it('is flight, hotel, then the car when there is one', () => {
    const kinds = (car?: ReturnType<typeof step>) =>
      reservationOrder({ bookingId: 'bk_1', flight: step('f'), hotel: step('h'), ...(car ? { car } : {}) }).map((r) => r.kind);
    expect(kinds(step('c'))).toEqual(['flight', 'hotel', 'car']);
    expect(kinds()).toEqual(['flight', 'hotel']);
  });
});
