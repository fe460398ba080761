import { z } from 'zod';
import { text } from '../api/schemas.ts';
import type { Db } from '../db/prisma.ts';
import type { Offer } from '../generated/prisma/client.ts';

export const newOfferSchema = z.strictObject({
  kind: z.enum(['flight', 'hotel', 'car'], { error: 'must be one of flight, hotel, car' }),
  name: text(200),
  capacity: z.int({ error: 'must be a whole number' }).min(0, 'must be 0 or more').max(1_000_000, 'at most 1,000,000'),
  price: z.strictObject({
    amount: z.int({ error: 'must be a whole number of minor units (cents)' }).min(0, 'must be 0 or more').max(100_000_000, 'at most 100,000,000'),
    currency: z.literal('EUR', { error: 'must be "EUR"' }),
  }),
});

export type NewOffer = z.infer<typeof newOfferSchema>;

export const offerViewSchema = z.object({
  id: z.uuid(),
  kind: z.enum(['flight', 'hotel', 'car']),
  name: z.string(),
  capacity: z.int(),
  available: z.int().min(0),
  price: z.object({ amount: z.int(), currency: z.string() }),
});

export type OfferView = z.infer<typeof offerViewSchema>;

export const offerListSchema = z.object({ offers: z.array(offerViewSchema).describe('oldest first, at most 500') });

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function createOfferService(prisma: Db) {
  return {
    async create(offer: NewOffer): Promise<OfferView> {
      const row = await prisma.offer.create({
        data: {
          kind: offer.kind,
          name: offer.name,
          capacity: offer.capacity,
          available: offer.capacity,
          priceAmount: offer.price.amount,
          currency: offer.price.currency,
        },
      });
      return toOfferView(row);
    },
    async list(): Promise<OfferView[]> {
      return (await prisma.offer.findMany({ orderBy: { createdAt: 'asc' }, take: 500 })).map(toOfferView);
    },
    async find(id: string): Promise<OfferView | undefined> {
      if (!uuidPattern.test(id)) return undefined;
      const row = await prisma.offer.findUnique({ where: { id } });
      return row ? toOfferView(row) : undefined;
    },
  };
}

export type OfferService = ReturnType<typeof createOfferService>;

function toOfferView(row: Offer): OfferView {
  return {
    id: row.id,
    kind: row.kind,
    name: row.name,
    capacity: row.capacity,
    available: row.available,
    price: { amount: row.priceAmount, currency: row.currency },
  };
}
