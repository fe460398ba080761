import { z } from 'zod';

/** Building blocks shared by event schemas. Changing one changes every event that uses it: the compatibility check sees it. */

export const bookingId = z.string().min(1).describe('the booking id, also the workflow id of its saga (`bk_…`)');

export const offerId = z.string().min(1).describe('the offer (supplier inventory) the units come from');

export const traveler = z.object({
  name: z.string(),
  email: z.string().describe('as the traveler gave it; the API checked it is an email address'),
});

export const reservationKind = z.enum(['flight', 'hotel', 'car']);

export const amount = z.int().describe('minor units (cents)');

export const currency = z.string().length(3).describe('ISO 4217 code');

export const money = z.object({ amount, currency });
