import { type JetStreamClient, type JetStreamManager, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import type pg from 'pg';
import type { OfferEvent } from './offer-events.ts';

/**
 * ANTI-PATTERN support (see offer-events.ts): the event store, its own outbox, and the tables the projection needs,
 * none of which a table of offers needs.
 */

export async function createOfferEventTables(db: pg.Pool) {
  await db.query(`
    CREATE TABLE es_offer_events (
      position bigserial PRIMARY KEY,
      offer_id uuid NOT NULL,
      version int NOT NULL,
      type text NOT NULL,
      data jsonb NOT NULL,
      recorded_at timestamptz NOT NULL DEFAULT now(),
      published_at timestamptz,
      UNIQUE (offer_id, version)
    );
    CREATE INDEX es_offer_events_unpublished ON es_offer_events (position) WHERE published_at IS NULL;
    CREATE TABLE es_offer_view (
      id uuid PRIMARY KEY,
      kind text NOT NULL,
      name text NOT NULL,
      capacity int NOT NULL,
      available int NOT NULL,
      price_amount int NOT NULL,
      currency char(3) NOT NULL,
      version int NOT NULL
    );`);
}

export async function createOfferStream(jsm: JetStreamManager, stream: string, subjects: string) {
  await jsm.streams.add({ name: stream, subjects: [subjects], storage: StorageType.File, retention: RetentionPolicy.Limits });
}

export interface StoredOfferEvent {
  position: string;
  offerId: string;
  version: number;
  event: OfferEvent;
}

export async function loadOfferStream(db: pg.Pool, offerId: string): Promise<StoredOfferEvent[]> {
  const { rows } = await db.query<{ position: string; version: number; type: OfferEvent['type']; data: never }>(
    'SELECT position, version, type, data FROM es_offer_events WHERE offer_id = $1 ORDER BY version',
    [offerId],
  );
  return rows.map((r) => ({ position: r.position, offerId, version: r.version, event: { type: r.type, data: r.data } }));
}

/** Appends at `expectedVersion` + 1...; a concurrent writer that got there first makes the unique index refuse. */
export async function appendOfferEvents(db: pg.Pool, offerId: string, expectedVersion: number, events: readonly OfferEvent[]) {
  if (events.length === 0) return expectedVersion;
  const client = await db.connect();
  try {
    await client.query('BEGIN');
    for (const [i, event] of events.entries()) {
      await client.query('INSERT INTO es_offer_events (offer_id, version, type, data) VALUES ($1, $2, $3, $4)', [
        offerId,
        expectedVersion + i + 1,
        event.type,
        JSON.stringify(event.data),
      ]);
    }
    await client.query('COMMIT');
    return expectedVersion + events.length;
  } catch (error) {
    await client.query('ROLLBACK');
    if ((error as { code?: string }).code === '23505') throw new Error(`offer ${offerId} changed meanwhile: retry the command`);
    throw error;
  } finally {
    client.release();
  }
}

/** The store's relay: publishes unpublished events in order, then marks them. One at a time, for order. */
export function startOfferEventPublisher(db: pg.Pool, js: JetStreamClient, subjectFor: (type: string) => string, everyMs = 50) {
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const { rows } = await db.query<{ position: string; offer_id: string; version: number; type: string; data: unknown }>(
        'SELECT position, offer_id, version, type, data FROM es_offer_events WHERE published_at IS NULL ORDER BY position LIMIT 100',
      );
      for (const row of rows) {
        await js.publish(subjectFor(row.type), JSON.stringify({ offerId: row.offer_id, version: row.version, type: row.type, data: row.data }), {
          msgID: `offer-event-${row.position}`,
        });
        await db.query('UPDATE es_offer_events SET published_at = now() WHERE position = $1', [row.position]);
      }
      if (rows.length === 0) await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
    },
  };
}
