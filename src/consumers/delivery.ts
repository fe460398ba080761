/** One message as a transport hands it to a consumer; JetStream and the embedded event log each implement it. */
export interface Delivery {
  /** The CloudEvent, as published (structured mode JSON). */
  body: Uint8Array | string;
  /** 1 on first delivery; counts redeliveries, also across consumer restarts where the transport keeps it. */
  deliveryCount: number;
  /** When the transport stored the event: the start of the publish -> applied lag. */
  publishedAt: Date;
  /** Settled (applied, skipped, duplicate, or dead-lettered): never deliver again. */
  ack(): void;
  /** Deliver again after `delayMs` (the booking's previous event is not settled yet). */
  redeliverLater(delayMs: number): void;
  /** Still being worked on: do not redeliver it elsewhere yet. */
  keepAlive(): void;
  /** Sends the message to the transport's dead-letter path with the reason (then the caller acks it). */
  deadLetter(reason: string, eventId?: string): Promise<void>;
}
