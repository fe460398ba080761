import type { OutboxRow } from '../events/cloud-event.ts';

/**
 * The seam between the pipeline and a broker: the relay hands events to an EventPublisher, and a subscription
 * hands each message to a DeliverySink (the consumer runner) as a Delivery. The broker's own code stays behind it,
 * in one folder per broker (src/transport/jetstream/).
 */

/** An outbox row as the relay reads it. */
export type PendingEvent = OutboxRow & { position: bigint };

export interface PublishReport {
  /** Events the broker acknowledged, each with its place in the stream (for a re-sent event, where it first landed). */
  delivered: { event: PendingEvent; ackedAt: Date; streamSequence: number }[];
  /** Bookings whose publishing stopped at an event that failed: that event and those after it wait for the next round. */
  failures: { bookingId: string; error: Error }[];
  /** Re-sent events the broker already had. */
  duplicates: number;
}

/** The relay's side of a broker. */
export interface EventPublisher {
  /** The `transport` label of the pipeline metrics. */
  readonly name: string;
  /**
   * Publishes each booking's events in the order given, awaiting each acknowledgement before sending the booking's
   * next event, so a failure can never let a later event overtake an earlier one.
   */
  publish(bookings: PendingEvent[][]): Promise<PublishReport>;
}

/** One message as a broker hands it to a consumer. */
export interface Delivery {
  /** The CloudEvent, as published (structured mode JSON). */
  body: Uint8Array | string;
  /** 1 on first delivery; counts redeliveries, also across consumer restarts where the broker keeps it. */
  deliveryCount: number;
  /** When the broker stored the event: the start of the publish -> applied lag. */
  publishedAt: Date;
  /** Settled (applied, skipped, duplicate, or dead-lettered): never deliver again. */
  ack(): void;
  /** Deliver again after `delayMs` (the booking's previous event is not settled yet). */
  redeliverLater(delayMs: number): void;
  /** Still being worked on: do not redeliver it elsewhere yet. */
  keepAlive(): void;
  /** Sends the message to the broker's dead-letter path with the reason (then the caller acks it). */
  deadLetter(reason: string, eventId?: string): Promise<void>;
}

/** The consumers' side of a broker: where a subscription hands its messages. */
export interface DeliverySink {
  /** Names the durable subscription; never rename a deployed one. */
  readonly name: string;
  dispatch(delivery: Delivery): void;
  /** Resolves when every dispatched delivery has been worked on. */
  drained(): Promise<void>;
}
