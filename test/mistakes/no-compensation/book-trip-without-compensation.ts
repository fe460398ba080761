import { proxyActivities } from '@temporalio/workflow';
import type { BookingActivities } from '../../../activities/index.ts';
import type { BookTripInput } from '../../../workflows/messages.ts';

const { reserveFlight, reserveHotel, reserveCar, chargePayment, recordBookingOutcome } = proxyActivities<BookingActivities>({
  startToCloseTimeout: '10 seconds',
  retry: { maximumAttempts: 3 },
});

/**
 * ANTI-PATTERN, kept only to be run by test/mistakes/no-compensation.test.ts: the saga as it is often first written,
 * a happy path of steps and nothing that undoes them. Exported as `bookTrip` so the real booking service starts it
 * in place of workflows/book-trip.ts; never bundled by the worker.
 *
 * When a later step fails (a sold-out car), the workflow fails and the steps already taken stay taken: seats and
 * rooms are held for a booking that will never be confirmed, and nothing will ever give them back.
 */
export async function bookTrip(input: BookTripInput): Promise<void> {
  const { bookingId } = input;
  await reserveFlight({ bookingId, offerId: input.flight.offerId, quantity: input.flight.quantity });
  await reserveHotel({ bookingId, offerId: input.hotel.offerId, quantity: input.hotel.quantity });
  if (input.car) await reserveCar({ bookingId, offerId: input.car.offerId, quantity: input.car.quantity });
  await chargePayment({ bookingId });
  await recordBookingOutcome({ bookingId, status: 'CONFIRMED' });
}
