import type { Db } from '../db/prisma.ts';
import type { Booking, Payment, Reservation } from '../generated/prisma/client.ts';

/** What GET /bookings/:id is made from: the booking row, its reservations and its payment. */
export type StoredBookingView = Pick<
  Booking,
  'id' | 'status' | 'coordination' | 'travelerName' | 'travelerEmail' | 'request' | 'failureReason' | 'workflowStartedAt' | 'createdAt' | 'updatedAt'
> & {
  reservations: Pick<Reservation, 'kind' | 'status' | 'amount' | 'currency'>[];
  payment: Pick<Payment, 'status' | 'amount' | 'currency'> | null;
  /** The context of the booking's earliest event still in the outbox that has one: the booking's trace. */
  traceparent?: string | null;
};

/**
 * The booking with its reservations and payment in one statement (Prisma's `include` sends one per relation). It is
 * the read every status change costs (the status-updates consumer calls GET /bookings/:id back), so its round trips
 * count. The reservations and payment subqueries use the unique indexes on `booking_id`, the trace's the
 * (aggregate_id, sequence) one.
 */
export async function readBookingView(prisma: Db, bookingId: string): Promise<StoredBookingView | undefined> {
  const [row] = await prisma.$queryRaw<StoredBookingView[]>`
    SELECT b.id, b.status::text AS status, b.coordination, b.traveler_name AS "travelerName", b.traveler_email AS "travelerEmail", b.request,
           b.failure_reason AS "failureReason", b.workflow_started_at AS "workflowStartedAt",
           b.created_at AS "createdAt", b.updated_at AS "updatedAt",
           coalesce((SELECT json_agg(json_build_object('kind', r.kind, 'status', r.status, 'amount', r.amount, 'currency', r.currency))
                     FROM reservations r WHERE r.booking_id = b.id), '[]'::json) AS reservations,
           (SELECT json_build_object('status', p.status, 'amount', p.amount, 'currency', p.currency)
            FROM payments p WHERE p.booking_id = b.id) AS payment,
           (SELECT o.traceparent FROM outbox_events o WHERE o.aggregate_id = b.id AND o.traceparent IS NOT NULL
            ORDER BY o.sequence LIMIT 1) AS traceparent
    FROM bookings b WHERE b.id = ${bookingId}`;
  return row;
}
