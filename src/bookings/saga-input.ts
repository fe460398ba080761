import type { SearchAttributePair } from '@temporalio/common';
import type { BookTripInput } from '../../workflows/messages.ts';
import type { TravelerPseudonym } from '../data-protection/traveler-pseudonym.ts';
import { BookingStatus, TravelerEmail } from '../../workflows/search-attributes.ts';
import type { BookingRequest } from './booking-request.ts';

export type OfferNames = Map<string, string>;

export function sagaInputFor(
  bookingId: string,
  request: BookingRequest,
  offerNames: OfferNames,
  cancellationWindow?: string,
): BookTripInput {
  const step = (offerId: string, quantity: number) => ({ offerId, quantity, offerName: offerNames.get(offerId) });
  return {
    bookingId,
    traveler: request.traveler,
    flight: step(request.flight.offerId, request.flight.seats),
    hotel: step(request.hotel.offerId, request.hotel.rooms),
    ...(request.car ? { car: step(request.car.offerId, 1) } : {}),
    ...(cancellationWindow ? { cancellationWindow } : {}),
  };
}

/**
 * What a person sees in the Temporal Web UI before opening anything: a one-line summary, the trip's key facts as a
 * memo, and the search attributes the list can be filtered by.
 *
 * Summaries and details name the trip, never the traveler: they are shown wherever the saga is listed, and the
 * traveler is found by the pseudonym in `TravelerEmail` instead. The name and email stay in the input and the memo,
 * which the payload codec encrypts.
 */
export function sagaPresentation(input: BookTripInput, pseudonym: TravelerPseudonym) {
  const part = (s?: { offerName?: string; offerId: string; quantity: number }) => (s ? `${s.offerName ?? s.offerId} ×${s.quantity}` : undefined);
  const flight = part(input.flight);
  const hotel = part(input.hotel);
  const car = part(input.car);
  const traveler = input.traveler ? `${input.traveler.name} <${input.traveler.email}>` : undefined;
  return {
    staticSummary: `Trip: ${[flight, hotel, car].filter(Boolean).join(' → ')}`,
    // The UI renders details as Markdown in a box about five lines high: one list item a line (plain newlines would
    // run together), and no booking id, which is the workflow id above it.
    staticDetails: [`Flight: ${flight}`, `Hotel: ${hotel}`, car && `Car: ${car}`]
      .filter(Boolean)
      .map((line) => `- ${line}`)
      .join('\n'),
    memo: { traveler, flight, hotel, ...(car ? { car } : {}) },
    typedSearchAttributes: [
      { key: BookingStatus, value: 'PENDING' },
      ...(input.traveler ? [{ key: TravelerEmail, value: pseudonym(input.traveler.email) }] : []),
    ] satisfies SearchAttributePair[],
  };
}
