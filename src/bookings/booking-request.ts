import { z } from 'zod';
import { emailSchema, text } from '../lib/input-policy.ts';

const offerId = z.uuid({ error: 'must be an offer id (a UUID)' });
const units = (what: string) =>
  z.int({ error: `must be a whole number of ${what}` }).min(1, `must be at least 1`).max(9, `at most 9 ${what} per booking`);

/** What a client sends to book a trip. The same schema validates the API request and documents it. */
export const bookingRequestSchema = z.strictObject({
  traveler: z.strictObject({
    name: text(200),
    email: emailSchema,
  }),
  flight: z.strictObject({ offerId, seats: units('seats') }),
  hotel: z.strictObject({ offerId, rooms: units('rooms') }),
  car: z.strictObject({ offerId }).optional(),
  coordination: z
    .enum(['orchestration', 'choreography'])
    .optional()
    .describe('who runs the trip: a Temporal saga (`orchestration`, the default) or services reacting to events (`choreography`); docs/patterns/choreography.md'),
});

export type BookingRequest = z.infer<typeof bookingRequestSchema>;
