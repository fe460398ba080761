import type pg from 'pg';
import { EventType } from '../src/outbox/event-types.ts';

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
 * Bookings accepted and with their saga marked started, nothing reserved yet: what a reserve step finds.
 * `workflow_started_at` is set so the worker's saga starter leaves them alone.
 */
export async function seedPendingBookings(db: pg.Pool, count: number, offers: OfferPool): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO bookings (id, status, traveler_name, traveler_email, request, workflow_started_at, created_at, updated_at)
     SELECT 'bk_' || gen_random_uuid(), 'PENDING', 'Bench Traveler', 'bench+' || g || '@example.com',
            jsonb_build_object(
              'traveler', jsonb_build_object('name', 'Bench Traveler', 'email', 'bench+' || g || '@example.com'),
              'flight', jsonb_build_object('offerId', ($2::text[])[1 + g % cardinality($2::text[])], 'seats', 1),
              'hotel', jsonb_build_object('offerId', ($3::text[])[1 + g % cardinality($3::text[])], 'rooms', 1),
              'car', jsonb_build_object('offerId', ($4::text[])[1 + g % cardinality($4::text[])])),
            now(), now(), now()
     FROM generate_series(1, $1) AS g
     RETURNING id`,
    [count, offers.flight, offers.hotel, offers.car],
  );
  return rows.map((r) => r.id);
}

/**
 * Confirmed bookings with everything a confirmed saga leaves behind: the idempotency key, three reservations (units
 * taken from the offers), four saga steps, five outbox events (already published, as the relay leaves them).
 * Spread over the past 30 days, so time-ordered indexes see a realistic spread.
 */
export async function seedConfirmedBookings(db: pg.Pool, count: number, offers: OfferPool): Promise<void> {
  const client = await db.connect();
  try {
    await client.query('BEGIN');
    await client.query(
      `CREATE TEMP TABLE seed_plan ON COMMIT DROP AS
       SELECT 'bk_' || gen_random_uuid() AS id, g,
              'seed+' || g || '-' || substr(md5(random()::text), 1, 8) || '@example.com' AS email,
              ($2::uuid[])[1 + g % cardinality($2::uuid[])] AS flight,
              ($3::uuid[])[1 + g % cardinality($3::uuid[])] AS hotel,
              ($4::uuid[])[1 + g % cardinality($4::uuid[])] AS car,
              now() - random() * interval '30 days' AS at
       FROM generate_series(1, $1) AS g`,
      [count, offers.flight, offers.hotel, offers.car],
    );
    await client.query(
      `INSERT INTO bookings (id, status, traveler_name, traveler_email, request, workflow_started_at, created_at, updated_at)
       SELECT id, 'CONFIRMED', 'Seed Traveler ' || g, email,
              jsonb_build_object(
                'traveler', jsonb_build_object('name', 'Seed Traveler ' || g, 'email', email),
                'flight', jsonb_build_object('offerId', flight, 'seats', 1),
                'hotel', jsonb_build_object('offerId', hotel, 'rooms', 1),
                'car', jsonb_build_object('offerId', car)),
              at, at, at + interval '400 milliseconds'
       FROM seed_plan`,
    );
    await client.query(
      `INSERT INTO api_idempotency_keys (key, request_hash, booking_id, created_at)
       SELECT 'seed-' || id, md5(id), id, at FROM seed_plan`,
    );
    await client.query(
      `INSERT INTO reservations (id, booking_id, kind, offer_id, quantity, amount, currency, status, created_at)
       SELECT gen_random_uuid(), p.id, k.kind::"OfferKind", k.offer_id, 1, 10000, 'EUR', 'RESERVED', p.at + k.step * interval '100 milliseconds'
       FROM seed_plan p
       CROSS JOIN LATERAL (VALUES ('flight', p.flight, 1), ('hotel', p.hotel, 2), ('car', p.car, 3)) AS k(kind, offer_id, step)`,
    );
    await client.query(
      `UPDATE offers o SET available = o.available - t.taken
       FROM (SELECT offer_id, count(*)::int AS taken FROM reservations r JOIN seed_plan p ON p.id = r.booking_id GROUP BY offer_id) t
       WHERE o.id = t.offer_id`,
    );
    await client.query(
      `INSERT INTO saga_steps (idempotency_key, booking_id, step, result, created_at)
       SELECT p.id || ':' || s.step, p.id, s.step,
              CASE WHEN s.step = 'outcome-confirmed'
                   THEN jsonb_build_object('bookingId', p.id, 'status', 'CONFIRMED')
                   ELSE jsonb_build_object('reservationId', gen_random_uuid(), 'kind', s.kind, 'offerId', s.offer_id,
                          'offerName', initcap(s.kind), 'quantity', 1, 'amount', 10000, 'currency', 'EUR') END,
              p.at + s.n * interval '100 milliseconds'
       FROM seed_plan p
       CROSS JOIN LATERAL (VALUES ('reserve-flight', 'flight', p.flight, 1), ('reserve-hotel', 'hotel', p.hotel, 2),
                                  ('reserve-car', 'car', p.car, 3), ('outcome-confirmed', NULL, NULL, 4)) AS s(step, kind, offer_id, n)`,
    );
    await client.query(
      `INSERT INTO outbox_events (id, aggregate_type, aggregate_id, type, schema_version, data, occurred_at, published_at)
       SELECT gen_random_uuid(), 'booking', p.id, e.type, 1,
              jsonb_build_object('bookingId', p.id, 'kind', e.kind, 'offerId', e.offer_id, 'quantity', 1, 'amount', 10000, 'currency', 'EUR',
                                 'traveler', jsonb_build_object('name', 'Seed Traveler ' || p.g, 'email', p.email)),
              p.at + e.n * interval '100 milliseconds', p.at + e.n * interval '100 milliseconds' + interval '20 milliseconds'
       FROM seed_plan p
       CROSS JOIN LATERAL (VALUES ($1, NULL, NULL::uuid, 0), ($2, 'flight', p.flight, 1), ($3, 'hotel', p.hotel, 2),
                                  ($4, 'car', p.car, 3), ($5, NULL, NULL, 4)) AS e(type, kind, offer_id, n)
       ORDER BY p.at, e.n`,
      [EventType.bookingRequested, EventType.flightReserved, EventType.hotelReserved, EventType.carReserved, EventType.bookingConfirmed],
    );
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
  // Fresh statistics, as autovacuum would have them on a database that grew slowly.
  await db.query('ANALYZE bookings, api_idempotency_keys, reservations, saga_steps, outbox_events, offers');
}

/** Empties every booking table and gives the units back, keeping the offers: the start of the growth series. */
export async function resetBookings(db: pg.Pool): Promise<void> {
  await db.query('TRUNCATE bookings, api_idempotency_keys, reservations, saga_steps, outbox_events');
  await db.query('UPDATE offers SET available = capacity');
}

export async function countBookings(db: pg.Pool): Promise<number> {
  const { rows } = await db.query<{ n: string }>('SELECT count(*) AS n FROM bookings');
  return Number(rows[0]!.n);
}
