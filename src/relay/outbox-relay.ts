import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Db } from '../db/prisma.ts';
import type { DbSession } from '../db/session.ts';
import { createWakeSignal } from '../lib/wake-signal.ts';
import type { PipelineMetrics } from '../metrics/pipeline-metrics.ts';
import { createPartitionOwnership, type PartitionOwnership, relayPartitionCount } from './partition-ownership.ts';
import type { EventPublisher, PublishReport } from '../transport/event-transport.ts';
import { byBooking, markPublished, measureBacklog, probeOutboxBacklog, readPendingEvents } from './pending-events.ts';

/** NOTIFY channel of the outbox (the trigger in the migration fires it on every insert). */
export const outboxChannel = 'tripsaga_outbox';

export interface OutboxRelayOptions {
  prisma: Db;
  openSession: () => Promise<DbSession>;
  publisher: EventPublisher;
  metrics: PipelineMetrics;
  log?: (line: string) => void;
  /**
   * Events read per batch. A booking's events go out one after another (each waits for the previous ack), so a batch's
   * pace is set by the bookings it spans: 1,000 events of a backlog span ~125 trips, which the publisher sends side by
   * side, where 200 spanned 25 and left most of its 256 lanes idle.
   */
  batchSize?: number;
  /** The fallback: how often to look for events even when no notification came. */
  pollIntervalMs?: number;
  /** How often to recount the relays and rebalance partitions. */
  rebalanceIntervalMs?: number;
  partitionCount?: number;
}

/**
 * Moves committed outbox events to the broker: wakes on the commit of an outbox insert (LISTEN/NOTIFY), polls
 * as a fallback, publishes each booking's events in order and records each one as published only after the ack.
 * Any number of relays can run: the partitions they hold keep every booking with exactly one of them.
 */
export function createOutboxRelay(options: OutboxRelayOptions) {
  const { prisma, publisher, metrics, log = () => {}, batchSize = 1_000, pollIntervalMs = 1_000, rebalanceIntervalMs = 1_000 } = options;
  const partitionCount = options.partitionCount ?? relayPartitionCount;
  const relayId = randomUUID().slice(0, 8);
  const doorbell = createWakeSignal();
  let ownership: PartitionOwnership | undefined;
  let session: DbSession | undefined;

  probeOutboxBacklog(metrics, prisma, publisher.name);

  /** A session of our own: it holds the partition locks and listens to the outbox. Reopened if the connection drops. */
  async function ensureSession(): Promise<PartitionOwnership> {
    if (session && !session.lost && ownership) return ownership;
    if (session) log(`relay ${relayId}: database session lost; its partitions are released, reconnecting`);
    await session?.close();
    ownership = undefined;
    metrics.relayPartitions.set({ relay: relayId }, 0);
    session = await options.openSession();
    await session.listen(outboxChannel, () => doorbell.ring());
    const fresh = createPartitionOwnership(session, partitionCount);
    await fresh.join();
    ownership = fresh;
    return fresh;
  }

  function record(report: PublishReport) {
    const transportLabel = { transport: publisher.name };
    metrics.relayPublished.inc(transportLabel, report.delivered.length);
    metrics.relayDuplicates.inc(transportLabel, report.duplicates);
    metrics.relayFailures.inc(transportLabel, report.failures.length);
    for (const { event, ackedAt } of report.delivered) {
      metrics.relayLag.observe(transportLabel, Math.max(0, (ackedAt.getTime() - event.occurredAt.getTime()) / 1000));
    }
  }

  let lastComplaint = 0;
  async function complain(message: string) {
    if (Date.now() - lastComplaint < 10_000) return;
    lastComplaint = Date.now();
    const backlog = await measureBacklog(prisma).catch(() => undefined);
    const waiting = backlog ? `; ${backlog.events} event(s) wait in the outbox, the oldest for ${Math.round(backlog.oldestAgeSeconds)} s` : '';
    log(`relay ${relayId}: ${message.replace(/\s+/g, ' ').trim()}${waiting}; retrying with backoff`);
  }

  return {
    relayId,

    /** The partitions this relay holds right now. */
    ownedPartitions: () => ownership?.owned() ?? [],

    /** Runs until `signal` aborts, then releases its partitions. Never throws: every failure is retried. */
    async run(signal: AbortSignal): Promise<void> {
      let failures = 0;
      let partitions: number[] = [];
      let nextRebalance = 0;
      const backoff = () => Math.min(100 * 2 ** Math.min(failures, 10), 5_000);
      try {
        while (!signal.aborted) {
          try {
            const owner = await ensureSession();
            if (Date.now() >= nextRebalance) {
              partitions = await owner.rebalance();
              metrics.relayPartitions.set({ relay: relayId }, partitions.length);
              nextRebalance = Date.now() + rebalanceIntervalMs;
            }
            const events = partitions.length === 0 ? [] : await readPendingEvents(prisma, {
              partitions,
              partitionCount,
              limit: batchSize,
            });
            if (events.length === 0) {
              failures = 0;
              await doorbell.wait(Math.min(pollIntervalMs, Math.max(nextRebalance - Date.now(), 0)), signal);
              continue;
            }
            const report = await publisher.publish(byBooking(events));
            // Marked only now, after the acks. Dying before this line re-sends these events: the broker drops them.
            await markPublished(prisma, report.delivered);
            record(report);
            if (report.failures.length > 0) {
              failures += 1;
              await complain(`${report.failures.length} booking(s) not published (${report.failures[0]?.error.message})`);
              // Not the doorbell: during an outage every commit would ring it and cut the backoff short.
              await sleep(backoff(), undefined, { signal }).catch(() => {});
              continue;
            }
            failures = 0;
            // A full batch means more may be waiting: go again at once. Otherwise sleep until the next commit.
            if (events.length < batchSize) await doorbell.wait(pollIntervalMs, signal);
          } catch (error) {
            failures += 1;
            await complain((error as Error).message);
            await sleep(backoff(), undefined, { signal }).catch(() => {});
          }
        }
      } finally {
        await ownership?.leave().catch(() => {});
        await session?.close();
        metrics.relayPartitions.set({ relay: relayId }, 0);
      }
    },
  };
}

export type OutboxRelay = ReturnType<typeof createOutboxRelay>;
