import type { Prisma } from '../db/prisma.ts';
import type { OutboxRow } from '../outbox/cloud-event.ts';

/** An outbox row as the relay reads it. */
export type PendingEvent = OutboxRow & { position: bigint };

export interface DeliveryReport {
  /** Events the transport acknowledged and that are now recorded as delivered. */
  delivered: { event: PendingEvent; ackedAt: Date }[];
  /** Bookings whose delivery stopped at an event that failed: that event and those after it wait for the next round. */
  failures: { bookingId: string; error: Error }[];
  /** Re-sent events the transport already had. */
  duplicates: number;
}

/** Where the relay hands events: NATS JetStream, or the embedded event log in PostgreSQL when there is no broker. */
export interface RelayTransport {
  readonly name: 'jetstream' | 'embedded';
  /** The outbox rows this transport has not acknowledged yet (each transport keeps its own mark on the row). */
  readonly pendingCondition: Prisma.Sql;
  /**
   * Delivers each booking's events in the order given, awaiting each acknowledgement before sending the booking's
   * next event, and records the acknowledged ones as delivered (only after the acknowledgement).
   */
  deliver(bookings: PendingEvent[][]): Promise<DeliveryReport>;
  close(): Promise<void>;
}
