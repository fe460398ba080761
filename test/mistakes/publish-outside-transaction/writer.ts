import { jetstream } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import pg from 'pg';
import { createActivities } from '../../../activities/index.ts';
import { openDatabase } from '../../../src/db/open-database.ts';
import { commitThenPublish } from './publish-beside-commit.ts';

/**
 * A process that reserves a hotel room and dies by SIGKILL the moment its transaction has committed, the way
 * test/mistakes/publish-outside-transaction.test.ts runs it:
 *   WRITER=commit-then-publish: the anti-pattern, which would publish to NATS next;
 *   WRITER=outbox: the project's activity, whose event was committed with the row and is the relay's to send.
 */
const { WRITER, DATABASE_URL, NATS_URL, SUBJECT, BOOKING_ID, OFFER_ID } = process.env;
const reservation = { bookingId: BOOKING_ID!, offerId: OFFER_ID!, rooms: 1 };
const dieHere = async () => {
  process.kill(process.pid, 'SIGKILL');
  await new Promise(() => {}); // SIGKILL is not delivered synchronously everywhere: go no further
};

if (WRITER === 'commit-then-publish') {
  const nc = await connect({ servers: NATS_URL });
  const db = new pg.Client({ connectionString: DATABASE_URL });
  await db.connect();
  await commitThenPublish(db, jetstream(nc), SUBJECT!, reservation, dieHere);
} else if (WRITER === 'outbox') {
  const { prisma } = await openDatabase({ databaseUrl: DATABASE_URL, dataDir: '', migrate: false });
  await createActivities({ prisma }).reserveHotel({ bookingId: reservation.bookingId, offerId: reservation.offerId, quantity: reservation.rooms });
  await dieHere();
} else {
  throw new Error(`WRITER must be commit-then-publish or outbox, not ${WRITER}`);
}
