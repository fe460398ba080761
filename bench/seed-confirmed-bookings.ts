import type pg from 'pg';
import { handlerFor } from '../src/consumers/event-consumer.ts';
import { eventCatalog } from '../src/events/catalog.ts';
import { EventType } from '../src/events/event-types.ts';
import { defaultConsumers } from '../src/pipeline/event-pipeline.ts';
import { defaultWalletSettings } from '../src/wallet/wallet-settings.ts';
import type { OfferPool } from './seed.ts';
import { inTransaction } from './in-transaction.ts';

/**
 * The events a confirmed trip leaves in its outbox, in sequence order (test/support/expected-events.ts), and when
 * each one happens after the booking was accepted: every saga step is one commit, ~100 ms apart.
 */
const confirmedTripEvents = [
  { type: EventType.bookingRequested, afterMs: 0 },
  { type: EventType.bookingStatusChanged, afterMs: 0 },
  { type: EventType.flightReserved, afterMs: 100 },
  { type: EventType.hotelReserved, afterMs: 200 },
  { type: EventType.carReserved, afterMs: 300 },
  { type: EventType.paymentCharged, afterMs: 400 },
  { type: EventType.bookingConfirmed, afterMs: 500 },
  { type: EventType.bookingStatusChanged, afterMs: 500 },
] as const;

/** What the payment step appends to a new traveler's wallet (and announces under the wallet's stream id). */
const newWalletEvents = [EventType.walletOpened, EventType.walletCharged] as const;

/**
 * The consumers the deployed pipeline runs (status-updates included: the bench starts them with the API's URL), and
 * how each settles each event type: `applied` where it has a handler, `skipped` otherwise, as apply-event.ts records.
 */
function inboxOutcomes() {
  const consumers = defaultConsumers({ apiBaseUrl: 'http://api.invalid' });
  const rows = consumers.flatMap((consumer) =>
    [...new Set([...confirmedTripEvents.map((e) => e.type), ...newWalletEvents])].map((type) => ({ consumer: consumer.name, type, outcome: handlerFor(consumer, type) ? 'applied' : 'skipped' })),
  );
  return { consumers: rows.map((r) => r.consumer), types: rows.map((r) => r.type), outcomes: rows.map((r) => r.outcome) };
}

/**
 * Confirmed bookings with everything a confirmed saga and the event pipeline leave behind, as the app writes them:
 * the booking, its idempotency key, three reservations (units taken from the offers, at the offers' prices), the five
 * saga steps, the payment, the eight outbox events (sequence 1..8, data of each type's newest schema version,
 * published), the traveler's wallet as the payment step leaves it (a stream of wallet.opened and wallet.charged, their
 * two outbox events under the wallet's stream id, the summary and the two statement lines), and the consumers' side:
 * an inbox row per consumer and event, the trip summary, the notifier's email and the status-updates notifications. Spread over the past 30 days, so time-ordered indexes see a realistic spread.
 * test/bench-seed.test.ts checks these rows against what the real code writes.
 */
export async function seedConfirmedBookings(db: pg.Pool, count: number, offers: OfferPool): Promise<void> {
  await inTransaction(db, async (client) => {
    await client.query(
      `CREATE TEMP TABLE seed_plan ON COMMIT DROP AS
       SELECT 'bk_' || gen_random_uuid() AS id, g,
              'Seed Traveler ' || g AS name,
              'seed+' || g || '-' || substr(md5(random()::text), 1, 8) || '@example.com' AS email,
              ($2::uuid[])[1 + g % cardinality($2::uuid[])] AS flight,
              ($3::uuid[])[1 + g % cardinality($3::uuid[])] AS hotel,
              ($4::uuid[])[1 + g % cardinality($4::uuid[])] AS car,
              gen_random_uuid() AS payment_id,
              date_trunc('milliseconds', now() - random() * interval '30 days') AS at
       FROM generate_series(1, $1) AS g`,
      [count, offers.flight, offers.hotel, offers.car],
    );
    // One row per reservation, priced as reserveUnits prices it (the offer's price times the quantity of 1).
    await client.query(
      `CREATE TEMP TABLE seed_legs ON COMMIT DROP AS
       SELECT p.id AS booking_id, k.kind, k.n, o.id AS offer_id, o.name AS offer_name, o.price_amount AS amount,
              o.currency::text AS currency, gen_random_uuid() AS reservation_id, p.at + k.n * interval '100 milliseconds' AS at
       FROM seed_plan p
       CROSS JOIN LATERAL (VALUES ('flight', p.flight, 1), ('hotel', p.hotel, 2), ('car', p.car, 3)) AS k(kind, offer_id, n)
       JOIN offers o ON o.id = k.offer_id`,
    );
    await client.query(
      `CREATE TEMP TABLE seed_trips ON COMMIT DROP AS
       SELECT booking_id, sum(amount)::int AS total, min(currency) AS currency,
              jsonb_agg(jsonb_build_object('kind', kind, 'offerId', offer_id, 'quantity', 1, 'amount', amount, 'currency', currency,
                                           'status', 'RESERVED') ORDER BY n) AS reservations,
              jsonb_object_agg(kind, jsonb_build_object('offerId', offer_id, 'offerName', offer_name, 'quantity', 1, 'status', 'RESERVED',
                                                        'amount', amount, 'currency', currency)) AS legs,
              string_agg('- ' || kind || ' ×1: ' || to_char(amount / 100.0, 'FM999999990.00') || ' ' || currency, E'\\n' ORDER BY n) AS email_lines
       FROM seed_legs GROUP BY booking_id`,
    );
    // Temp tables have no statistics until analysed: without them the joins below are planned as nested loops.
    await client.query('ANALYZE seed_plan, seed_legs, seed_trips');
    await client.query(
      `INSERT INTO bookings (id, status, traveler_name, traveler_email, request, workflow_started_at, created_at, updated_at)
       SELECT id, 'CONFIRMED', name, email,
              jsonb_build_object(
                'traveler', jsonb_build_object('name', name, 'email', email),
                'flight', jsonb_build_object('offerId', flight, 'seats', 1),
                'hotel', jsonb_build_object('offerId', hotel, 'rooms', 1),
                'car', jsonb_build_object('offerId', car)),
              at, at, at + interval '500 milliseconds'
       FROM seed_plan`,
    );
    await client.query(
      `INSERT INTO api_idempotency_keys (key, request_hash, booking_id, created_at)
       SELECT 'seed-' || id, encode(sha256(convert_to(id, 'UTF8')), 'hex'), id, at FROM seed_plan`,
    );
    await client.query(
      `INSERT INTO reservations (id, booking_id, kind, offer_id, quantity, amount, currency, status, created_at)
       SELECT reservation_id, booking_id, kind::"OfferKind", offer_id, 1, amount, currency, 'RESERVED', at FROM seed_legs`,
    );
    await client.query(
      `UPDATE offers o SET available = o.available - t.taken
       FROM (SELECT offer_id, count(*)::int AS taken FROM seed_legs GROUP BY offer_id) t
       WHERE o.id = t.offer_id`,
    );
    // The wallet pays (wallet-payment-method.ts): a new traveler's wallet opens with its credit and is charged the total.
    const credit = defaultWalletSettings.openingCredit;
    await client.query(
      `CREATE TEMP TABLE seed_wallets ON COMMIT DROP AS
       SELECT p.id AS booking_id, 'wallet-' || lower(p.email) AS stream_id, lower(p.email) AS traveler, t.total, t.currency,
              gen_random_uuid() AS opened_id, gen_random_uuid() AS charged_id, p.at + interval '400 milliseconds' AS at
       FROM seed_plan p JOIN seed_trips t ON t.booking_id = p.id`,
    );
    await client.query(`INSERT INTO event_streams (stream_id, stream_type, version, created_at, updated_at) SELECT stream_id, 'wallet', 2, at, at FROM seed_wallets`);
    await client.query(
      `INSERT INTO stream_events (id, stream_id, stream_position, type, schema_version, data, metadata, recorded_at)
       SELECT e.id, w.stream_id, e.position, e.type, e.schema_version, e.data,
              jsonb_build_object('bookingId', w.booking_id, 'reference', w.booking_id || ':charge-payment'), w.at
       FROM seed_wallets w
       CROSS JOIN LATERAL (VALUES
         (w.opened_id, 1, $1, $2::int, jsonb_build_object('traveler', w.traveler, 'currency', $6::text, 'openingCredit', $5::int)),
         (w.charged_id, 2, $3, $4::int, jsonb_build_object('traveler', w.traveler, 'bookingId', w.booking_id, 'amount', w.total, 'currency', w.currency))
       ) AS e(id, position, type, schema_version, data)
       ORDER BY w.at, e.position`,
      [EventType.walletOpened, eventCatalog[EventType.walletOpened].latestVersion, EventType.walletCharged, eventCatalog[EventType.walletCharged].latestVersion, credit.amount, credit.currency],
    );
    await client.query(
      `INSERT INTO outbox_events (id, aggregate_type, aggregate_id, sequence, type, schema_version, data, occurred_at, published_at)
       SELECT e.id, 'wallet', e.stream_id, e.stream_position, e.type, e.schema_version, e.data, e.recorded_at, e.recorded_at + interval '20 milliseconds'
       FROM stream_events e JOIN seed_wallets w ON w.stream_id = e.stream_id
       ORDER BY e.recorded_at, e.stream_position`,
    );
    await client.query(
      `INSERT INTO wallet_summaries (traveler, stream_id, balance, currency, version, open_charges, updated_at)
       SELECT traveler, stream_id, $1::int - total, currency, 2, 1, at FROM seed_wallets`,
      [credit.amount],
    );
    // The wallet-statements consumer's lines (wallet-statement.ts): the opening credit, then the charge.
    await client.query(
      `INSERT INTO wallet_statement_entries (stream_id, stream_position, traveler, event_id, kind, amount, currency, balance_after, booking_id, occurred_at)
       SELECT stream_id, 1, traveler, opened_id, 'opening-credit', $1::int, $2::text, $1::int, NULL, at FROM seed_wallets
       UNION ALL
       SELECT stream_id, 2, traveler, charged_id, 'charge', -total, currency, $1::int - total, booking_id, at FROM seed_wallets`,
      [credit.amount, credit.currency],
    );
    await client.query(
      `INSERT INTO payments (id, booking_id, amount, currency, status, provider_charge_id, charged_at)
       SELECT p.payment_id, p.id, t.total, t.currency, 'CHARGED', w.stream_id || ':charge:' || p.id, p.at + interval '400 milliseconds'
       FROM seed_plan p JOIN seed_trips t ON t.booking_id = p.id JOIN seed_wallets w ON w.booking_id = p.id`,
    );
    // Each step's stored result is the receipt its activity returned (run-step-once.ts keys them `<booking>:<step>`).
    await client.query(
      `INSERT INTO saga_steps (idempotency_key, booking_id, step, result, created_at)
       SELECT booking_id || ':reserve-' || kind, booking_id, 'reserve-' || kind,
              jsonb_build_object('reservationId', reservation_id, 'kind', kind, 'offerId', offer_id, 'offerName', offer_name,
                                 'quantity', 1, 'amount', amount, 'currency', currency),
              at
       FROM seed_legs
       UNION ALL
       SELECT pay.booking_id || ':charge-payment', pay.booking_id, 'charge-payment',
              jsonb_build_object('paymentId', pay.id, 'amount', pay.amount, 'currency', pay.currency, 'providerChargeId', pay.provider_charge_id),
              pay.charged_at
       FROM payments pay JOIN seed_plan p ON p.id = pay.booking_id
       UNION ALL
       SELECT id || ':outcome-confirmed', id, 'outcome-confirmed', jsonb_build_object('bookingId', id, 'status', 'CONFIRMED'),
              at + interval '500 milliseconds'
       FROM seed_plan`,
    );
    await client.query(
      `INSERT INTO outbox_events (id, aggregate_type, aggregate_id, sequence, type, schema_version, data, occurred_at, published_at)
       SELECT gen_random_uuid(), 'booking', p.id, e.sequence, e.type, e.schema_version,
              CASE e.type
                WHEN $1 THEN jsonb_build_object('bookingId', p.id, 'traveler', jsonb_build_object('name', p.name, 'email', p.email),
                               'trip', jsonb_build_object('flight', jsonb_build_object('offerId', p.flight, 'quantity', 1),
                                                          'hotel', jsonb_build_object('offerId', p.hotel, 'quantity', 1),
                                                          'car', jsonb_build_object('offerId', p.car, 'quantity', 1)))
                WHEN $2 THEN jsonb_build_object('bookingId', p.id)
                WHEN $3 THEN jsonb_build_object('bookingId', p.id, 'paymentId', pay.id, 'amount', pay.amount, 'currency', pay.currency,
                               'providerChargeId', pay.provider_charge_id)
                WHEN $4 THEN jsonb_build_object('bookingId', p.id, 'status', 'CONFIRMED',
                               'traveler', jsonb_build_object('name', p.name, 'email', p.email), 'reservations', t.reservations,
                               'total', jsonb_build_object('amount', t.total, 'currency', t.currency))
                ELSE jsonb_build_object('bookingId', l.booking_id, 'reservationId', l.reservation_id, 'kind', l.kind,
                               'offerId', l.offer_id, 'offerName', l.offer_name, 'quantity', 1, 'amount', l.amount, 'currency', l.currency)
              END,
              p.at + e.after_ms * interval '1 millisecond', p.at + e.after_ms * interval '1 millisecond' + interval '20 milliseconds'
       FROM seed_plan p
       JOIN seed_trips t ON t.booking_id = p.id
       JOIN payments pay ON pay.booking_id = p.id
       CROSS JOIN unnest($5::text[], $6::int[], $7::int[]) WITH ORDINALITY AS e(type, schema_version, after_ms, sequence)
       LEFT JOIN seed_legs l ON l.booking_id = p.id AND e.type = ($8::text[])[l.n]
       ORDER BY p.at, e.sequence`,
      [
        EventType.bookingRequested,
        EventType.bookingStatusChanged,
        EventType.paymentCharged,
        EventType.bookingConfirmed,
        confirmedTripEvents.map((e) => e.type),
        confirmedTripEvents.map((e) => eventCatalog[e.type].latestVersion),
        confirmedTripEvents.map((e) => e.afterMs),
        [EventType.flightReserved, EventType.hotelReserved, EventType.carReserved], // by seed_legs.n
      ],
    );
    const { consumers, types, outcomes } = inboxOutcomes();
    await client.query(
      `INSERT INTO consumer_inbox (consumer, event_id, booking_id, sequence, type, outcome, processed_at)
       SELECT c.consumer, e.id, e.aggregate_id, e.sequence, e.type, c.outcome, e.published_at + interval '30 milliseconds'
       FROM outbox_events e
       JOIN (SELECT id AS aggregate_id FROM seed_plan UNION ALL SELECT stream_id FROM seed_wallets) AS a ON a.aggregate_id = e.aggregate_id
       JOIN unnest($1::text[], $2::text[], $3::text[]) AS c(consumer, type, outcome) ON c.type = e.type`,
      [consumers, types, outcomes],
    );
    // The read model as trip-summaries.ts leaves a confirmed trip (email lower-cased, legs reserved, the charge as total).
    await client.query(
      `INSERT INTO trip_summaries (booking_id, traveler_email, traveler_name, status, legs, total_amount, currency, payment_status, reason, requested_at, updated_at)
       SELECT p.id, lower(p.email), p.name, 'CONFIRMED', t.legs, t.total, t.currency, 'CHARGED', NULL, p.at, p.at + interval '500 milliseconds'
       FROM seed_plan p JOIN seed_trips t ON t.booking_id = p.id`,
    );
    // The notifier's email for booking.confirmed (notifier.ts composes it the same way).
    await client.query(
      `INSERT INTO outgoing_emails (id, event_id, booking_id, template, recipient, subject, body, created_at)
       SELECT gen_random_uuid(), e.id, p.id, 'booking-confirmed', p.email, 'Your trip ' || p.id || ' is confirmed',
              'Hello ' || p.name || E',\\n\\nYour trip is booked:\\n' || t.email_lines || E'\\nTotal: ' ||
                to_char(t.total / 100.0, 'FM999999990.00') || ' ' || t.currency,
              e.published_at + interval '30 milliseconds'
       FROM seed_plan p
       JOIN seed_trips t ON t.booking_id = p.id
       JOIN outbox_events e ON e.aggregate_id = p.id AND e.type = $1`,
      [EventType.bookingConfirmed],
    );
    // status-updates: one notification per status the API answered, PENDING for the first status-changed event (the
    // saga is still reserving) and CONFIRMED for the last (trip-notifications.ts words them).
    await client.query(
      `INSERT INTO trip_notifications (dedupe_key, booking_id, status, recipient, subject, text, event_id, created_at)
       SELECT p.id || ':' || n.status, p.id, n.status, p.email, n.subject,
              CASE n.status WHEN 'PENDING' THEN 'We are reserving your trip ' || p.id || '; you will hear from us in a moment.'
                   ELSE 'Your trip ' || p.id || ' is booked: 3 reservations, ' || to_char(t.total / 100.0, 'FM999999990.00') || ' ' ||
                        t.currency || ' in total.' END,
              e.id, e.published_at + interval '30 milliseconds'
       FROM seed_plan p
       JOIN seed_trips t ON t.booking_id = p.id
       CROSS JOIN (VALUES ('PENDING', 'We are booking your trip', 2), ('CONFIRMED', 'Your trip is confirmed', 8)) AS n(status, subject, sequence)
       JOIN outbox_events e ON e.aggregate_id = p.id AND e.sequence = n.sequence`,
    );
  });
  // Fresh statistics, as autovacuum would have them on a database that grew slowly.
  await db.query(
    'ANALYZE bookings, api_idempotency_keys, reservations, saga_steps, payments, outbox_events, offers, consumer_inbox, trip_summaries, outgoing_emails, trip_notifications, event_streams, stream_events, wallet_summaries, wallet_statement_entries',
  );
}
