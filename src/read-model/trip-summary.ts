import type { ReservationStatus } from '../bookings/trip-vocabulary.ts';
import { type Money, reservedTotal } from '../lib/money.ts';

/**
 * The read model's row, `trip_summaries`: one per booking, written only by the trip-summaries consumer from the
 * booking's events, read only by GET /travelers/:email/trips. It uses the booking API's words (trip-vocabulary.ts).
 */
export type LegKind = 'flight' | 'hotel' | 'car';

export interface TripLeg {
  offerId: string;
  offerName?: string;
  quantity: number;
  status: ReservationStatus;
  amount?: number;
  currency?: string;
}

export type TripLegs = Partial<Record<LegKind, TripLeg>>;

/**
 * What the trip costs, as the booking says it: the charge once it was taken (a refund does not make the trip free: the
 * payment says REFUNDED), else what the legs reserved so far add up to.
 */
export function summaryTotal(legs: TripLegs, charge: Money | undefined): Money {
  if (charge) return charge;
  return reservedTotal(Object.values(legs).flatMap((leg) => (leg?.amount === undefined ? [] : [{ amount: leg.amount, currency: leg.currency ?? '', status: leg.status }])));
}
