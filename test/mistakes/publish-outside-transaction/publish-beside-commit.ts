import type { JetStreamClient } from '@nats-io/jetstream';
import type pg from 'pg';

/**
 * ANTI-PATTERN, kept only to be run by test/mistakes/publish-outside-transaction.test.ts: a hotel reservation
 * written to PostgreSQL and announced on NATS as two separate acts. The database and the broker cannot commit
 * together, so whichever goes second can be lost while the first stands.
 */

export interface HotelReservation {
  bookingId: string;
  offerId: string;
  rooms: number;
}

/**
 * Commit, then publish. A process that dies between the two (a deploy, an OOM kill, a lost node) has taken the
 * rooms and told no one: the event is gone for good, because nothing recorded that it was still to be sent.
 */
export async function commitThenPublish(db: pg.Client, js: JetStreamClient, subject: string, reservation: HotelReservation, afterCommit = async () => {}) {
  await db.query('BEGIN');
  try {
    await takeRooms(db, reservation);
    await db.query('COMMIT');
  } catch (error) {
    await db.query('ROLLBACK');
    throw error;
  }
  await afterCommit();
  await js.publish(subject, JSON.stringify(announcement(reservation)));
}

/**
 * Publish, then commit. The announcement goes out before the database has said yes; when the transaction then
 * fails (here: the booking already holds a hotel reservation), consumers act on rooms that were never taken.
 */
export async function publishThenCommit(db: pg.Client, js: JetStreamClient, subject: string, reservation: HotelReservation) {
  await db.query('BEGIN');
  try {
    await js.publish(subject, JSON.stringify(announcement(reservation)));
    await takeRooms(db, reservation);
    await db.query('COMMIT');
  } catch (error) {
    await db.query('ROLLBACK');
    throw error;
  }
}

async function takeRooms(db: pg.Client, { bookingId, offerId, rooms }: HotelReservation) {
  const taken = await db.query<{ price_amount: number; currency: string }>(
    'UPDATE offers SET available = available - $2 WHERE id = $1 AND available >= $2 RETURNING price_amount, currency',
    [offerId, rooms],
  );
  const offer = taken.rows[0];
  if (!offer) throw new Error(`offer ${offerId} has fewer than ${rooms} rooms left`);
  await db.query(
    `INSERT INTO reservations (id, booking_id, kind, offer_id, quantity, amount, currency) VALUES (gen_random_uuid(), $1, 'hotel', $2, $3, $4, $5)`,
    [bookingId, offerId, rooms, offer.price_amount * rooms, offer.currency],
  );
}

function announcement({ bookingId, offerId, rooms }: HotelReservation) {
  return { type: 'com.tripsaga.hotel.reserved', bookingId, offerId, quantity: rooms };
}
