import { z } from 'zod';
import { bookingId } from './common.ts';

/**
 * Event notification: only the id. The consumer asks the API (GET /bookings/:id) for the state, so it always acts on
 * the current state, and nothing about the booking's shape is coupled to this event.
 */
export const bookingStatusChangedV1 = z.object({ bookingId });
