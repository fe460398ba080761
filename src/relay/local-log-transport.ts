import { type Db, transactionOptions } from '../db/prisma.ts';
import { lockClass } from './lock-keys.ts';
import { pendingOn } from './pending-events.ts';
import type { DeliveryReport, PendingEvent, RelayTransport } from './transport.ts';

/** NOTIFY channel the embedded consumers listen on: new entries in the event log. */
export const eventLogChannel = 'tripsaga_event_log';

/**
 * The embedded path, when there is no broker: "publishing" numbers events into a log kept in the outbox table itself
 * (`log_position`), which the embedded consumers read in order from a stored position.
 *
 * The outbox's own `position` cannot serve as that log: it is taken when a row is inserted, so a transaction that
 * commits late can add a lower position behind a reader that already moved past it. Log positions are taken under
 * one lock held until commit, so each numbering commits after the previous one: reading in log order never skips.
 */
export function createLocalLogTransport(prisma: Db): RelayTransport {
  return {
    name: 'embedded',
    pendingCondition: pendingOn.embedded,

    async deliver(bookings: PendingEvent[][]): Promise<DeliveryReport> {
      const events = bookings.flat(); // each booking's events stay in their order
      await prisma.$transaction(async (tx) => {
        await tx.$executeRaw`SELECT pg_advisory_xact_lock(${lockClass.eventLog}::int, 0)`;
        const [{ last }] = (await tx.$queryRaw<{ last: bigint }[]>`
          SELECT coalesce(max(log_position), 0)::bigint AS last FROM outbox_events`) as [{ last: bigint }];
        // Rows another relay logged meanwhile keep their place (a gap here is harmless: readers only need order).
        await tx.$executeRaw`
          UPDATE outbox_events AS e SET log_position = ${last}::bigint + v.n, logged_at = now()
          FROM unnest(${events.map((e) => e.id)}::uuid[]) WITH ORDINALITY AS v(id, n)
          WHERE e.id = v.id AND e.log_position IS NULL`;
        await tx.$executeRaw`SELECT pg_notify(${eventLogChannel}, '')`;
      }, transactionOptions);
      const ackedAt = new Date();
      return { delivered: events.map((event) => ({ event, ackedAt })), failures: [], duplicates: 0 };
    },

    async close() {},
  };
}
