import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';

export interface StreamEvent {
  seq: number;
  /** The CloudEvent's id: the outbox row's id. */
  id: string;
  bookingId: string;
  bookingSequence: number;
}

/** Every message of the stream, in stream order, through an ordered consumer (the stream is left as it was). */
export async function readEventsStream(servers: string[], stream: string): Promise<StreamEvent[]> {
  const nc = await connect({ servers, timeout: 5_000 });
  try {
    const jsm = await jetstreamManager(nc);
    const { state } = await jsm.streams.info(stream);
    if (state.messages === 0) return [];
    const consumer = await jetstream(nc).consumers.get(stream);
    const events: StreamEvent[] = [];
    const messages = await consumer.consume();
    for await (const message of messages) {
      const event = JSON.parse(message.string()) as { id: string; subject: string; bookingsequence: number };
      events.push({ seq: message.seq, id: event.id, bookingId: event.subject, bookingSequence: event.bookingsequence });
      if (message.seq >= state.last_seq) break;
    }
    await messages.close();
    return events;
  } finally {
    await nc.close();
  }
}
