import { z } from 'zod';

const offerId = z.uuid({ error: 'must be an offer id (a UUID)' });
const units = (what: string) =>
  z.int({ error: `must be a whole number of ${what}` }).min(1, `must be at least 1`).max(9, `at most 9 ${what} per booking`);

/** What a client sends to book a trip. The same schema validates the API request and documents it. */
export const bookingRequestSchema = z.strictObject({
  traveler: z.strictObject({
    name: z.string().trim().min(1, 'must not be empty').max(200, 'at most 200 characters'),
    email: z.email({ error: 'must be an email address' }).max(320, 'at most 320 characters'),
  }),
  flight: z.strictObject({ offerId, seats: units('seats') }),
  hotel: z.strictObject({ offerId, rooms: units('rooms') }),
  car: z.strictObject({ offerId }).optional(),
});

export type BookingRequest = z.infer<typeof bookingRequestSchema>;
