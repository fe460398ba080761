import { z } from 'zod';

/** What the wallet routes validate, beside the other API schemas. Amounts are minor units, like every price. */

export const depositRequestSchema = z.strictObject({
  amount: z.strictObject({
    amount: z
      .int({ error: 'must be a whole number of minor units' })
      .positive('must be above 0')
      .max(100_000_000, 'at most 100000000 (1 000 000.00) per deposit'),
    currency: z.literal('EUR', { error: 'must be "EUR"' }),
  }),
});

export type DepositRequest = z.infer<typeof depositRequestSchema>;
