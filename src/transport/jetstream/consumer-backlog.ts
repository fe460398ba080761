import type { JetStreamManager } from '@nats-io/jetstream';
import type { NatsTopology } from './topology.ts';

/** The oldest event a consumer has not settled yet, as the broker stored it. */
export interface OldestUnsettled {
  streamSequence: number;
  eventId?: string;
  type?: string;
  bookingId?: string;
  publishedAt: Date;
}

export interface ConsumerBacklog {
  /** Published and not settled yet: still to deliver plus delivered and not acked. */
  events: number;
  /** Age of the oldest of them (0 when none): how far behind the consumer is, in time. */
  oldestAgeSeconds: number;
  oldest?: OldestUnsettled;
  /** Delivered but not acked: in hand, waiting for an earlier event of their booking, or being retried. */
  inHand: number;
  /** Redeliveries so far (a count that climbs while the backlog stands still is a consumer that is stuck, not slow). */
  redelivered: number;
  /** When the consumer last acked anything (the broker's view). */
  lastAckAt?: Date;
}

/**
 * Reads a durable consumer's backlog from the broker: its counts, and the event just above its ack floor (every
 * event at or below the floor is settled, so that one is the oldest that is not).
 */
export async function readConsumerBacklog(jsm: JetStreamManager, topology: NatsTopology, consumer: string, now = new Date()): Promise<ConsumerBacklog> {
  const info = await jsm.consumers.info(topology.eventsStream, consumer);
  const events = info.num_pending + info.num_ack_pending;
  const lastAck = info.ack_floor.last_active as unknown;
  const backlog: ConsumerBacklog = {
    events,
    oldestAgeSeconds: 0,
    inHand: info.num_ack_pending,
    redelivered: info.num_redelivered,
    lastAckAt: typeof lastAck === 'string' ? new Date(lastAck) : undefined,
  };
  if (events === 0) return backlog;
  const stored = await jsm.streams.getMessage(topology.eventsStream, { seq: info.ack_floor.stream_seq + 1 }).catch(() => null);
  if (!stored) return backlog;
  let body: { id?: string; type?: string; subject?: string } = {};
  try {
    body = stored.json();
  } catch {
    // Not JSON: the consumer dead-letters it; its age still counts.
  }
  backlog.oldest = { streamSequence: stored.seq, eventId: body.id, type: body.type, bookingId: body.subject, publishedAt: stored.time };
  backlog.oldestAgeSeconds = Math.max(0, (now.getTime() - stored.time.getTime()) / 1000);
  return backlog;
}
