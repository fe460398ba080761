import { describe, expect, it } from 'vitest';
import { sagaProgress } from '../../src/bookings/saga-progress.ts';

const at = new Date('2026-12-01T10:00:00Z');
type Row = Parameters<typeof sagaProgress>[0];

function booking(overrides: Partial<Row> = {}, car = true): Row {
  return {
    id: 'bk_1',
    status: 'PENDING',
    coordination: 'orchestration',
    travelerName: 'Ada',
    travelerEmail: 'ada@example.com',
    request: { flight: { offerId: 'f', seats: 1 }, hotel: { offerId: 'h', rooms: 1 }, ...(car ? { car: { offerId: 'c' } } : {}) },
    failureReason: null,
    workflowStartedAt: at,
    createdAt: at,
    updatedAt: at,
    reservations: [],
    payment: null,
    ...overrides,
  };
}

const reservation = (kind: string, status: 'RESERVED' | 'CANCELLED' = 'RESERVED') =>
  ({ id: `r-${kind}`, bookingId: 'bk_1', kind, offerId: kind[0], quantity: 1, amount: 100, currency: 'EUR', status, createdAt: at, cancelledAt: null }) as Row['reservations'][number];
const payment = (status: 'CHARGED' | 'REFUNDED' = 'CHARGED') => ({ status }) as NonNullable<Row['payment']>;

describe("a saga's progress read from its committed steps", () => {
  it('names the first step not recorded yet as the one in flight', () => {
    expect(sagaProgress(booking())).toEqual({
      bookingId: 'bk_1',
      status: 'PENDING',
      currentStep: 'flight',
      reservations: { flight: 'RESERVING', hotel: 'PENDING', car: 'PENDING' },
      payment: 'PENDING',
    });
    expect(sagaProgress(booking({ reservations: [reservation('flight')] }, false))).toMatchObject({
      currentStep: 'hotel',
      reservations: { flight: 'RESERVED', hotel: 'RESERVING', car: 'NOT_REQUESTED' },
    });
    const reserved = [reservation('flight'), reservation('hotel'), reservation('car')];
    expect(sagaProgress(booking({ reservations: reserved }))).toMatchObject({ currentStep: 'payment', payment: 'CHARGING' });
    expect(sagaProgress(booking({ reservations: reserved, payment: payment() }))).toMatchObject({ currentStep: 'confirm', payment: 'CHARGED' });
  });

  it('a confirmed trip has settled; one being given back is cancelling', () => {
    const reserved = [reservation('flight'), reservation('hotel')];
    expect(sagaProgress(booking({ status: 'CONFIRMED', reservations: reserved, payment: payment() }, false))).toEqual({
      bookingId: 'bk_1',
      status: 'CONFIRMED',
      currentStep: null,
      reservations: { flight: 'RESERVED', hotel: 'RESERVED', car: 'NOT_REQUESTED' },
      payment: 'CHARGED',
    });
    expect(sagaProgress(booking({ status: 'CONFIRMED', reservations: reserved }, false))).toMatchObject({ payment: 'NOT_REQUESTED' });
    const undoing = [reservation('flight'), reservation('hotel', 'CANCELLED')];
    expect(sagaProgress(booking({ status: 'CONFIRMED', reservations: undoing, payment: payment('REFUNDED') }, false))).toMatchObject({
      status: 'CANCELLING',
      currentStep: 'compensate',
      reservations: { flight: 'RESERVED', hotel: 'CANCELLED' },
      payment: 'REFUNDED',
    });
    expect(sagaProgress(booking({ reservations: undoing }, false))).toMatchObject({ status: 'COMPENSATING', currentStep: 'compensate' });
  });

  it('says nothing before the saga started or once the booking is undone', () => {
    expect(sagaProgress(booking({ workflowStartedAt: null }))).toBeUndefined();
    expect(sagaProgress(booking({ status: 'COMPENSATED', failureReason: 'hotel: OfferSoldOut' }))).toBeUndefined();
    expect(sagaProgress(booking({ status: 'CANCELLED' }))).toBeUndefined();
  });
});
