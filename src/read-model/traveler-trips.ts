import { z } from 'zod';
import { bookingStatus, paymentStatus, reservationStatus } from '../bookings/trip-vocabulary.ts';
import type { Db } from '../db/prisma.ts';

const legView = z.object({
  offerId: z.string(),
  offerName: z.string().optional(),
  quantity: z.int(),
  status: reservationStatus,
  amount: z.int().optional(),
  currency: z.string().optional(),
});

export const tripView = z.object({
  bookingId: z.string(),
  status: bookingStatus,
  legs: z.object({ flight: legView.optional(), hotel: legView.optional(), car: legView.optional() }),
  total: z.object({ amount: z.int(), currency: z.string().nullable() }).describe('the charge once taken (also after a refund), else the legs reserved so far'),
  payment: z.object({ status: paymentStatus }).nullable().describe('the charge for the trip, as GET /bookings/:id says: null until it is taken'),
  reason: z.string().optional().describe('why the trip was compensated or cancelled'),
  requestedAt: z.iso.datetime(),
  updatedAt: z.iso.datetime().describe('time of the last event applied to this trip'),
});

/** The response of GET /travelers/:email/trips. */
export const travelerTripsSchema = z.object({
  traveler: z.string(),
  trips: z.array(tripView).describe('newest first, at most 100; built from events, so it trails the bookings by the pipeline lag'),
});

export type TravelerTrips = z.infer<typeof travelerTripsSchema>;

/** Reads the read model only: the write side's tables are never queried here. */
export function createTravelerTrips(prisma: Db) {
  return {
    async tripsOf(email: string): Promise<TravelerTrips> {
      const traveler = email.toLowerCase();
      const rows = await prisma.tripSummary.findMany({ where: { travelerEmail: traveler }, orderBy: { requestedAt: 'desc' }, take: 100 });
      return {
        traveler,
        trips: rows.map((row) =>
          tripView.parse({
            bookingId: row.bookingId,
            status: row.status,
            legs: row.legs,
            total: { amount: row.totalAmount, currency: row.currency },
            payment: row.paymentStatus ? { status: row.paymentStatus } : null,
            ...(row.reason ? { reason: row.reason } : {}),
            requestedAt: row.requestedAt.toISOString(),
            updatedAt: row.updatedAt.toISOString(),
          }),
        ),
      };
    },
  };
}

export type TravelerTripsService = ReturnType<typeof createTravelerTrips>;
