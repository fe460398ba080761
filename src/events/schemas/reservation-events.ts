import { z } from 'zod';
import { amount, bookingId, currency, offerId } from './common.ts';

/** One saga step took units of an offer. */
function reservedV1<K extends 'flight' | 'hotel' | 'car'>(kind: K) {
  return z.object({
    bookingId,
    reservationId: z.string().min(1),
    kind: z.literal(kind),
    offerId,
    offerName: z.string(),
    quantity: z.int(),
    amount: amount.describe('the price of all units, in minor units'),
    currency,
  });
}

/** A compensation gave a reservation's units back to its offer. */
const releasedV1 = z.object({
  bookingId,
  reservationId: z.string().min(1),
  offerId,
  quantity: z.int(),
});

export const flightReservedV1 = reservedV1('flight');
export const hotelReservedV1 = reservedV1('hotel');
export const carReservedV1 = reservedV1('car');
export const flightReleasedV1 = releasedV1;
export const hotelReleasedV1 = releasedV1;
export const carReleasedV1 = releasedV1;
