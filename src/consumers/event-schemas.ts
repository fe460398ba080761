import { z } from 'zod';
import { EventType } from '../outbox/event-types.ts';

/**
 * What consumers accept in `data`, per event type, at schema version 1: the shapes activities/ and the booking
 * service write. Tolerant readers (z.object, not strictObject): a field added later does not break a consumer.
 */
const kind = z.enum(['flight', 'hotel', 'car']);
const traveler = z.object({ name: z.string(), email: z.string() });

const bookingRequested = z.object({
  bookingId: z.string(),
  traveler,
  flight: z.object({ offerId: z.string(), seats: z.int().positive() }),
  hotel: z.object({ offerId: z.string(), rooms: z.int().positive() }),
  car: z.object({ offerId: z.string() }).optional(),
});

const unitsReserved = z.object({
  bookingId: z.string(),
  reservationId: z.string(),
  kind,
  offerId: z.string(),
  offerName: z.string(),
  quantity: z.int().positive(),
  amount: z.int().nonnegative(),
  currency: z.string().length(3),
});

const unitsReleased = z.object({
  bookingId: z.string(),
  reservationId: z.string(),
  offerId: z.string(),
  quantity: z.int().positive(),
});

const bookingOutcome = z.object({
  bookingId: z.string(),
  status: z.enum(['CONFIRMED', 'COMPENSATED', 'CANCELLED']),
  reason: z.string().optional(),
  traveler,
  reservations: z.array(
    z.object({ kind, offerId: z.string(), quantity: z.int(), amount: z.int(), currency: z.string(), status: z.string() }),
  ),
});

export const eventDataSchemas = {
  [EventType.bookingRequested]: bookingRequested,
  [EventType.bookingConfirmed]: bookingOutcome,
  [EventType.bookingCompensated]: bookingOutcome,
  [EventType.bookingCancelled]: bookingOutcome,
  [EventType.flightReserved]: unitsReserved,
  [EventType.hotelReserved]: unitsReserved,
  [EventType.carReserved]: unitsReserved,
  [EventType.flightReleased]: unitsReleased,
  [EventType.hotelReleased]: unitsReleased,
  [EventType.carReleased]: unitsReleased,
} satisfies Record<EventType, z.ZodType>;

export type EventData<T extends EventType> = z.infer<(typeof eventDataSchemas)[T]>;
export type BookingRequestedData = EventData<typeof EventType.bookingRequested>;
export type UnitsReservedData = z.infer<typeof unitsReserved>;
export type UnitsReleasedData = z.infer<typeof unitsReleased>;
export type BookingOutcomeData = z.infer<typeof bookingOutcome>;
