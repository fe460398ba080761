import { AckPolicy, DeliverPolicy, type JetStreamManager, jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type pg from 'pg';
import { evolve, initialOfferState, type OfferEvent, type OfferState } from './offer-events.ts';

/**
 * ANTI-PATTERN support (see offer-events.ts): the read side. Every change reaches the view only after the store's
 * publisher has sent it and this projector has applied it; until then a reader sees the offer as it was, or not at all.
 */
export async function startOfferProjector(nc: NatsConnection, jsm: JetStreamManager, db: pg.Pool, stream: string, durable: string) {
  try {
    await jsm.consumers.info(stream, durable);
  } catch {
    await jsm.consumers.add(stream, { durable_name: durable, ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.All, max_ack_pending: 1 });
  }
  const consumer = await jetstream(nc).consumers.get(stream, durable);
  const messages = await consumer.consume({ max_messages: 16 });
  const loop = (async () => {
    for await (const message of messages) {
      const { offerId, version, ...event } = message.json<{ offerId: string; version: number } & OfferEvent>();
      await applyToView(db, offerId, version, event);
      message.ack();
    }
  })();
  return {
    async stop() {
      await messages.close();
      await loop;
    },
  };
}

/** Idempotent and in order: an event is applied only on top of the version before it (a redelivery is skipped). */
async function applyToView(db: pg.Pool, offerId: string, version: number, event: OfferEvent) {
  const { rows } = await db.query<{ kind: string; name: string; capacity: number; available: number; price_amount: number; currency: string; version: number }>(
    'SELECT * FROM es_offer_view WHERE id = $1',
    [offerId],
  );
  const row = rows[0];
  const current = row?.version ?? 0;
  if (version <= current) return;
  if (version !== current + 1) throw new Error(`offer ${offerId}: event ${version} arrived before ${current + 1}`);
  const before: OfferState = row
    ? { exists: true, kind: row.kind as OfferState['kind'], name: row.name, capacity: row.capacity, available: row.available, priceAmount: row.price_amount, currency: row.currency }
    : initialOfferState;
  const after = evolve(before, event);
  await db.query(
    `INSERT INTO es_offer_view (id, kind, name, capacity, available, price_amount, currency, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (id) DO UPDATE SET kind = $2, name = $3, capacity = $4, available = $5, price_amount = $6, currency = $7, version = $8`,
    [offerId, after.kind, after.name, after.capacity, after.available, after.priceAmount, after.currency, version],
  );
}
