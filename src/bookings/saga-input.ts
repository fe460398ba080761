import type { BookTripInput } from '../../workflows/messages.ts';
import type { BookingRequest } from './booking-request.ts';

export function sagaInputFor(bookingId: string, request: BookingRequest, cancellationWindow?: string): BookTripInput {
  return {
    bookingId,
    flight: { offerId: request.flight.offerId, quantity: request.flight.seats },
    hotel: { offerId: request.hotel.offerId, quantity: request.hotel.rooms },
    ...(request.car ? { car: { offerId: request.car.offerId, quantity: 1 } } : {}),
    ...(cancellationWindow ? { cancellationWindow } : {}),
  };
}
