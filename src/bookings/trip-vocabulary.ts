import { z } from 'zod';

/**
 * The words the booking API uses for a trip, shared by everything that describes one (GET /bookings/:id and the read
 * model behind GET /travelers/:email/trips), so a trip reads the same wherever it is read.
 */
export const bookingStatus = z.enum(['PENDING', 'CONFIRMED', 'COMPENSATED', 'CANCELLED']);

/** PENDING: not reached yet; RESERVED: held; CANCELLED: given back; NOT_RESERVED: the saga ended without taking it. */
export const reservationStatus = z.enum(['PENDING', 'RESERVED', 'CANCELLED', 'NOT_RESERVED']);

export const paymentStatus = z.enum(['CHARGED', 'REFUNDED']);

export type BookingStatus = z.infer<typeof bookingStatus>;
export type ReservationStatus = z.infer<typeof reservationStatus>;
export type PaymentStatus = z.infer<typeof paymentStatus>;
