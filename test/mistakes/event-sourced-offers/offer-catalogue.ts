import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { appendOfferEvents, loadOfferStream } from './event-store.ts';
import { decide, evolve, initialOfferState, type OfferCommand, type OfferKind } from './offer-events.ts';

/**
 * ANTI-PATTERN (see offer-events.ts): the catalogue's API over the event store and the projected view. Writes go to
 * the stream; reads come from the view, so a writer's own read can miss what it has just written.
 */
export function createEventSourcedOffers(db: pg.Pool) {
  async function handle(offerId: string, command: OfferCommand) {
    const stream = await loadOfferStream(db, offerId);
    const state = stream.reduce((s, stored) => evolve(s, stored.event), initialOfferState);
    await appendOfferEvents(db, offerId, stream.length, decide(command, state));
  }

  return {
    async create(offer: { kind: OfferKind; name: string; capacity: number; price: { amount: number; currency: 'EUR' } }) {
      const id = randomUUID();
      await handle(id, { type: 'CreateOffer', kind: offer.kind, name: offer.name, capacity: offer.capacity, priceAmount: offer.price.amount });
      return { id };
    },
    reprice: (id: string, amount: number) => handle(id, { type: 'RepriceOffer', priceAmount: amount }),
    async find(id: string) {
      const { rows } = await db.query<{ id: string; kind: OfferKind; name: string; capacity: number; available: number; price_amount: number; currency: string }>(
        'SELECT id, kind, name, capacity, available, price_amount, currency FROM es_offer_view WHERE id = $1',
        [id],
      );
      const row = rows[0];
      if (!row) return undefined;
      return { id: row.id, kind: row.kind, name: row.name, capacity: row.capacity, available: row.available, price: { amount: row.price_amount, currency: row.currency } };
    },
  };
}
