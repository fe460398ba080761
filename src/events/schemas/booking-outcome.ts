import { z } from 'zod';
import { reservedTotal } from '../../lib/money.ts';
import { bookingId, amount, currency, money, offerId, reservationKind, traveler } from './common.ts';

const reservation = z.object({
  kind: reservationKind,
  offerId,
  quantity: z.int(),
  amount: amount.describe('the price of all units, in minor units'),
  currency,
  status: z.enum(['RESERVED', 'CANCELLED']),
});

/**
 * The settled booking as full state (event-carried state transfer): who travels, what was reserved, at what price.
 * One shape for the three outcomes, each under its own type and status.
 */
function outcomeV1<S extends 'CONFIRMED' | 'COMPENSATED' | 'CANCELLED'>(status: S) {
  return z.object({
    bookingId,
    status: z.literal(status),
    reason: z.string().optional().describe('compensated or cancelled: why (the failed step, or the reason given on cancel)'),
    traveler,
    reservations: z.array(reservation).describe('in the order the saga took them'),
  });
}

export const bookingConfirmedV1 = outcomeV1('CONFIRMED');
export const bookingCompensatedV1 = outcomeV1('COMPENSATED');
export const bookingCancelledV1 = outcomeV1('CANCELLED');

/** v2 adds the trip's total, so a consumer (an invoice, a read model) never has to add reservations up itself. */
export const bookingConfirmedV2 = bookingConfirmedV1.extend({
  total: money.describe('the sum of the reservations, in their (single) currency'),
});

export function upcastBookingConfirmedV1(v1: z.output<typeof bookingConfirmedV1>): z.input<typeof bookingConfirmedV2> {
  return { ...v1, total: reservedTotal(v1.reservations) };
}
