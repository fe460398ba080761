import type { JetStreamManager } from '@nats-io/jetstream';
import { countUnsettled } from '../consumers/dead-letters.ts';
import type { Db } from '../db/prisma.ts';
import type { Backlog } from '../metrics/pipeline-metrics.ts';
import { measureBacklog } from '../relay/pending-events.ts';
import { type ConsumerBacklog, readConsumerBacklog } from '../transport/jetstream/consumer-backlog.ts';
import { isNotFound, type NatsTopology } from '../transport/jetstream/topology.ts';

/**
 * What a consumer's backlog says, for an operator: `caught up`, `slow` (behind, and still settling events), `stuck`
 * (behind, and nothing settled for `stuckAfterSeconds`), or `dead letters` (caught up otherwise, but some of its
 * bookings wait for a replay). docs/operating-the-pipeline.md says what to do in each case.
 */
export type ConsumerVerdict = 'caught up' | 'slow' | 'stuck' | 'dead letters';

export interface ConsumerStatus extends ConsumerBacklog {
  consumer: string;
  deadLetters: number;
  held: number;
  verdict: ConsumerVerdict;
}

export interface PipelineStatus {
  /** False when the events stream does not exist (no relay or consumer has run against this server and root). */
  stream: { name: string; exists: boolean };
  outbox: Backlog;
  consumers: ConsumerStatus[];
}

export async function readPipelineStatus(
  prisma: Db,
  jsm: JetStreamManager,
  topology: NatsTopology,
  { now = new Date(), stuckAfterSeconds = 60 }: { now?: Date; stuckAfterSeconds?: number } = {},
): Promise<PipelineStatus> {
  const consumers: ConsumerStatus[] = [];
  const exists = await jsm.streams.info(topology.eventsStream).then(() => true, (error: unknown) => (isNotFound(error) ? false : Promise.reject(error)));
  const stream = { name: topology.eventsStream, exists };
  if (!exists) return { stream, outbox: await measureBacklog(prisma), consumers };
  for await (const info of jsm.consumers.list(topology.eventsStream)) {
    const backlog = await readConsumerBacklog(jsm, topology, info.name, now);
    const counts = await countUnsettled(prisma, info.name);
    const sinceAck = backlog.lastAckAt ? (now.getTime() - backlog.lastAckAt.getTime()) / 1000 : Number.POSITIVE_INFINITY;
    const verdict: ConsumerVerdict =
      backlog.events > 0 ? (sinceAck > stuckAfterSeconds && backlog.oldestAgeSeconds > stuckAfterSeconds ? 'stuck' : 'slow') : counts.deadLetters > 0 ? 'dead letters' : 'caught up';
    consumers.push({ consumer: info.name, ...backlog, ...counts, verdict });
  }
  consumers.sort((a, b) => a.consumer.localeCompare(b.consumer));
  return { stream, outbox: await measureBacklog(prisma), consumers };
}

export function formatPipelineStatus(status: PipelineStatus): string[] {
  const lines = [`outbox: ${status.outbox.events} event(s) not yet published, oldest ${status.outbox.oldestAgeSeconds.toFixed(1)} s`];
  if (!status.stream.exists) lines.push(`stream ${status.stream.name} does not exist: no relay or consumer has run against this NATS server with this NATS_SUBJECT_ROOT`);
  for (const c of status.consumers) {
    lines.push(
      `${c.consumer}: ${c.verdict}; lag ${c.events} event(s) (${c.inHand} in hand), ${c.oldestAgeSeconds.toFixed(1)} s; ` +
        `dead letters ${c.deadLetters} (held behind them ${c.held}); redelivered ${c.redelivered}; last ack ${c.lastAckAt?.toISOString() ?? 'never'}`,
    );
    if (c.oldest) {
      lines.push(`    oldest unapplied: ${c.oldest.type ?? '?'} ${c.oldest.eventId ?? '?'} (booking ${c.oldest.bookingId ?? '?'}, stream #${c.oldest.streamSequence}, published ${c.oldest.publishedAt.toISOString()})`);
    }
  }
  return lines;
}
