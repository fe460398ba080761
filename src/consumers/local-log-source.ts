import type { Db } from '../db/prisma.ts';
import type { DbSession } from '../db/session.ts';
import { createWakeSignal } from '../lib/wake-signal.ts';
import type { PipelineMetrics } from '../metrics/pipeline-metrics.ts';
import { toCloudEvent } from '../outbox/cloud-event.ts';
import { eventLogChannel } from '../relay/local-log-transport.ts';
import type { ConsumerRunner } from './consumer-runner.ts';
import type { Delivery } from './delivery.ts';

export interface LocalLogSourceOptions {
  prisma: Db;
  openSession: () => Promise<DbSession>;
  runner: ConsumerRunner;
  metrics: PipelineMetrics;
  signal: AbortSignal;
  batchSize?: number;
  pollIntervalMs?: number;
  /** Deliveries read ahead and not yet settled, at most. */
  window?: number;
  log?: (line: string) => void;
}

/**
 * The embedded path: feeds a consumer from the event log the relay keeps in the outbox table when there is no
 * broker. The consumer's stored position moves over a prefix of settled events only, so after a crash it re-reads
 * from the first unsettled one; the inbox absorbs what it had already applied. Same runner, same guarantees.
 */
export async function consumeFromLocalLog(options: LocalLogSourceOptions): Promise<void> {
  const { prisma, runner, metrics, signal, batchSize = 200, pollIntervalMs = 1_000, window = 1_000, log = () => {} } = options;
  const name = runner.consumer.name;
  const doorbell = createWakeSignal();
  const stored = await prisma.consumerLogPosition.findUnique({ where: { consumer: name } });
  let settledUpTo = stored?.logPosition ?? 0n; // every event at or before it is settled
  let readUpTo = settledUpTo;
  let savedPosition = settledUpTo;
  const unsettled = new Map<bigint, boolean>(); // log position -> settled yet; in reading (= ascending) order
  const retries = new Set<NodeJS.Timeout>();

  metrics.probeConsumer(name, async () => prisma.outboxEvent.count({ where: { logPosition: { gt: settledUpTo } } }));

  const advance = () => {
    for (const [position, settled] of unsettled) {
      if (!settled) break;
      settledUpTo = position;
      unsettled.delete(position);
    }
  };
  const save = async () => {
    if (settledUpTo === savedPosition) return;
    const logPosition = settledUpTo;
    await prisma.consumerLogPosition.upsert({ where: { consumer: name }, create: { consumer: name, logPosition }, update: { logPosition } });
    savedPosition = logPosition;
  };

  let session: DbSession | undefined;
  try {
    while (!signal.aborted) {
      try {
        if (!session || session.lost) {
          await session?.close();
          session = await options.openSession();
          await session.listen(eventLogChannel, () => doorbell.ring());
        }
        let read = 0;
        if (unsettled.size < window) {
          const rows = await prisma.outboxEvent.findMany({
            where: { logPosition: { gt: readUpTo } },
            orderBy: { logPosition: 'asc' },
            take: batchSize,
          });
          read = rows.length;
          for (const row of rows) {
            const position = row.logPosition as bigint;
            unsettled.set(position, false);
            readUpTo = position;
            const delivery: Delivery = {
              body: JSON.stringify(toCloudEvent(row)),
              deliveryCount: 1,
              publishedAt: row.loggedAt ?? row.occurredAt,
              ack: () => {
                unsettled.set(position, true);
                advance();
              },
              redeliverLater: (delayMs) => {
                const timer = setTimeout(() => {
                  retries.delete(timer);
                  delivery.deliveryCount += 1;
                  runner.dispatch(delivery);
                }, delayMs);
                retries.add(timer);
              },
              keepAlive: () => {},
              // The inbox row the runner writes is the embedded dead-letter record (outcome and reason).
              deadLetter: async () => {},
            };
            runner.dispatch(delivery);
          }
        }
        await save();
        if (read < batchSize || unsettled.size >= window) await doorbell.wait(read < batchSize ? pollIntervalMs : 50, signal);
      } catch (error) {
        if (!signal.aborted) log(`${name}: reading the event log failed (${(error as Error).message}); retrying`);
        await doorbell.wait(pollIntervalMs, signal);
      }
    }
  } finally {
    for (const timer of retries) clearTimeout(timer);
    await runner.drained();
    await save().catch(() => {});
    await session?.close();
  }
}
