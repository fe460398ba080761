import { z } from 'zod';
import { bookingId, offerId, traveler } from './common.ts';

/** v1 echoed the HTTP request body: seats, rooms, and a car without a quantity. */
export const bookingRequestedV1 = z.object({
  bookingId,
  traveler,
  flight: z.object({ offerId, seats: z.int() }),
  hotel: z.object({ offerId, rooms: z.int() }),
  car: z.object({ offerId }).optional(),
});

const requestedStep = z.object({ offerId, quantity: z.int().describe('seats, rooms or cars') });

/**
 * v2 states the trip in the domain's terms instead of the API's: every step has a `quantity` (the word the
 * reservation events use), and "no car" is an explicit null rather than a missing field. Breaking for v1 readers.
 */
export const bookingRequestedV2 = z.object({
  bookingId,
  traveler,
  trip: z.object({
    flight: requestedStep,
    hotel: requestedStep,
    car: requestedStep.nullable().describe('null: the traveler asked for no car'),
  }),
});

export function upcastBookingRequestedV1(v1: z.output<typeof bookingRequestedV1>): z.input<typeof bookingRequestedV2> {
  return {
    bookingId: v1.bookingId,
    traveler: v1.traveler,
    trip: {
      flight: { offerId: v1.flight.offerId, quantity: v1.flight.seats },
      hotel: { offerId: v1.hotel.offerId, quantity: v1.hotel.rooms },
      // The API has always booked exactly one car.
      car: v1.car ? { offerId: v1.car.offerId, quantity: 1 } : null,
    },
  };
}
