import type { Tx } from '../db/prisma.ts';

/** What the traveler asked for, as the booking row keeps it (the API's request body). */
export interface TripRequest {
  flight: { offerId: string; seats: number };
  hotel: { offerId: string; rooms: number };
  car?: { offerId: string };
}

export interface ChoreographedTrip {
  bookingId: string;
  status: string;
  request: TripRequest;
}

/**
 * The booking, if a choreography runs it; undefined for an orchestrated one, whose events every service also hears
 * (a consumer sees all of a booking's events, in order) and must leave alone. One read without a lock: the
 * coordination and the request never change after the booking is accepted.
 */
export async function choreographedTrip(tx: Tx, bookingId: string): Promise<ChoreographedTrip | undefined> {
  const [row] = await tx.$queryRaw<{ coordination: string; status: string; request: TripRequest }[]>`
    SELECT coordination, status::text AS status, request FROM bookings WHERE id = ${bookingId}`;
  if (row?.coordination !== 'choreography') return undefined;
  return { bookingId, status: row.status, request: row.request };
}
