import type pg from 'pg';
import { eventCatalog } from '../src/events/catalog.ts';
import { EventType } from '../src/events/event-types.ts';

/**
 * Rows written straight with SQL, fast, shaped like the ones the app writes (same tables, same JSON shapes, same
 * indexes hit), so the database holds thousands of bookings in seconds instead of minutes of sagas.
 */

export interface OfferPool {
  flight: string[];
  hotel: string[];
  car: string[];
}

/** Enough capacity that no measurement runs out: a sold-out offer would turn bookings into compensations. */
const offerCapacity = 1_000_000;

export async function seedOffers(db: pg.Pool, perKind: number): Promise<OfferPool> {
  const { rows } = await db.query<{ id: string; kind: keyof OfferPool }>(
    `INSERT INTO offers (id, kind, name, capacity, available, price_amount, currency)
     SELECT gen_random_uuid(), k.kind::"OfferKind", initcap(k.kind) || ' ' || g, $2, $2, 10000 + g * 100, 'EUR'
     FROM (VALUES ('flight'), ('hotel'), ('car')) AS k(kind), generate_series(1, $1) AS g
     RETURNING id, kind::text AS kind`,
    [perKind, offerCapacity],
  );
  const pool: OfferPool = { flight: [], hotel: [], car: [] };
  for (const row of rows) pool[row.kind].push(row.id);
  return pool;
}

export function pick<T>(items: readonly T[]): T {
  return items[Math.floor(Math.random() * items.length)]!;
}

/**
 * Bookings accepted and with their saga marked started, nothing reserved yet: what a reserve step finds. Like the API,
 * each comes with its two acceptance events (booking.requested, booking.status-changed: sequence 1 and 2, not yet
 * published), so the steps' events continue the booking's sequence at 3 and the consumers see a whole booking.
 * `workflow_started_at` is set so the worker's saga starter leaves them alone.
 */
export async function seedPendingBookings(db: pg.Pool, count: number, offers: OfferPool): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `WITH accepted AS (
       INSERT INTO bookings (id, status, traveler_name, traveler_email, request, workflow_started_at, created_at, updated_at)
       SELECT 'bk_' || gen_random_uuid(), 'PENDING', 'Bench Traveler', t.email,
              jsonb_build_object(
                'traveler', jsonb_build_object('name', 'Bench Traveler', 'email', t.email),
                'flight', jsonb_build_object('offerId', ($2::text[])[1 + g % cardinality($2::text[])], 'seats', 1),
                'hotel', jsonb_build_object('offerId', ($3::text[])[1 + g % cardinality($3::text[])], 'rooms', 1),
                'car', jsonb_build_object('offerId', ($4::text[])[1 + g % cardinality($4::text[])])),
              now(), now(), now()
       -- A traveler of its own per booking: each pays from a fresh wallet, as the saga load's travelers do.
       FROM generate_series(1, $1) AS g
       CROSS JOIN LATERAL (SELECT 'bench+' || g || '-' || substr(md5(random()::text), 1, 8) || '@example.com' AS email) AS t
       RETURNING id, traveler_name, traveler_email, request, created_at
     ), events AS (
       INSERT INTO outbox_events (id, aggregate_type, aggregate_id, sequence, type, schema_version, data, occurred_at)
       SELECT gen_random_uuid(), 'booking', a.id, e.sequence, e.type, e.schema_version,
              CASE e.sequence
                WHEN 1 THEN jsonb_build_object('bookingId', a.id,
                              'traveler', jsonb_build_object('name', a.traveler_name, 'email', a.traveler_email),
                              'trip', jsonb_build_object(
                                'flight', jsonb_build_object('offerId', a.request->'flight'->'offerId', 'quantity', 1),
                                'hotel', jsonb_build_object('offerId', a.request->'hotel'->'offerId', 'quantity', 1),
                                'car', jsonb_build_object('offerId', a.request->'car'->'offerId', 'quantity', 1)))
                ELSE jsonb_build_object('bookingId', a.id)
              END,
              a.created_at
       FROM accepted a
       CROSS JOIN (VALUES (1, $5, $6::int), (2, $7, $8::int)) AS e(sequence, type, schema_version)
       ORDER BY a.id, e.sequence -- positions in sequence order, as the relay expects of a booking's events
     )
     SELECT id FROM accepted`,
    [
      count,
      offers.flight,
      offers.hotel,
      offers.car,
      EventType.bookingRequested,
      eventCatalog[EventType.bookingRequested].latestVersion,
      EventType.bookingStatusChanged,
      eventCatalog[EventType.bookingStatusChanged].latestVersion,
    ],
  );
  return rows.map((r) => r.id);
}

/**
 * Empties every table a booking leaves rows in (the write side, the outbox, and what the consumers built from it) and
 * gives the units back, keeping the offers: the start of the growth series.
 */
export async function resetBookings(db: pg.Pool): Promise<void> {
  await db.query(
    `TRUNCATE bookings, api_idempotency_keys, reservations, saga_steps, payments, outbox_events,
              consumer_inbox, trip_summaries, outgoing_emails, trip_notifications,
              event_streams, stream_events, stream_snapshots, wallet_summaries, wallet_statement_entries, wallet_deposit_requests`,
  );
  await db.query('UPDATE offers SET available = capacity');
}

/**
 * Removes these bookings and every row written for them (their units stay taken: the offers hold a million each), and
 * the announcements of their travelers' wallet events. The wallets' events themselves stay: the event store is
 * append-only (each of these travelers has a wallet of their own, used by nothing else).
 */
export async function deleteBookings(db: pg.Pool, bookingIds: readonly string[]): Promise<void> {
  const ids = [...bookingIds];
  await db.query(
    `DELETE FROM outbox_events WHERE aggregate_id = ANY($1)
        OR aggregate_id IN (SELECT 'wallet-' || lower(traveler_email) FROM bookings WHERE id = ANY($1))`,
    [ids],
  );
  for (const table of ['saga_steps', 'reservations', 'payments', 'api_idempotency_keys'] as const) {
    await db.query(`DELETE FROM ${table} WHERE booking_id = ANY($1)`, [ids]);
  }
  await db.query('DELETE FROM bookings WHERE id = ANY($1)', [ids]);
}

export async function countBookings(db: pg.Pool): Promise<number> {
  const { rows } = await db.query<{ n: string }>('SELECT count(*) AS n FROM bookings');
  return Number(rows[0]!.n);
}
