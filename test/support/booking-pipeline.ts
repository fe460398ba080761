import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { serve } from '../../src/api/serve.ts';
import { defaultConsumers, startEventPipeline } from '../../src/pipeline/event-pipeline.ts';
import { ensureStreams } from '../../src/transport/jetstream/topology.ts';
import { waitUntil } from './direct-trips.ts';
import { type HarnessOptions, startHarness } from './harness.ts';
import { removeTopology, sharedNatsUrl, uniqueTopology } from './nats.ts';
import { createOwnDatabase } from './own-database.ts';

/**
 * Everything a booking touches, end to end: the harness (API, worker) on a database of its own, the API on a free
 * port, and the relay with the default consumers (status-updates among them, calling that API back) on streams of
 * its own. For tests that read what the whole system recorded of a booking.
 */
export async function startBookingPipeline(label: string, options: HarnessOptions = {}) {
  const topology = uniqueTopology();
  const ownDb = await createOwnDatabase(label);
  const h = await startHarness({ ...options, databaseUrl: ownDb.url });
  const api = await serve(h.app, 0, '127.0.0.1');
  const nc: NatsConnection = await connect({ servers: sharedNatsUrl });
  await ensureStreams(await jetstreamManager(nc), topology);
  const apiBaseUrl = `http://127.0.0.1:${api.port}`;
  const apiToken = () => h.tokens.operator();
  const consumers = defaultConsumers({ apiBaseUrl, apiToken }).map((c) => c.name);
  const pipeline = startEventPipeline({
    db: h.db,
    natsUrl: sharedNatsUrl,
    natsSubjectRoot: topology.root,
    metrics: h.metrics,
    relay: true,
    consumers: true,
    apiBaseUrl,
    apiToken,
    runnerOptions: { maxAttempts: 3, retryDelayMs: 100, orderWaitMs: 100 },
  });

  return {
    h,
    nc,
    topology,
    /** The API as a browser reaches it. */
    apiUrl: `http://localhost:${api.port}`,
    /** The names of the consumers that run. */
    consumers,

    /** Until every outbox event of the booking is published and settled in every consumer's inbox. */
    async settled(bookingId: string, timeoutMs = 45_000) {
      await waitUntil(
        `the events of ${bookingId} published and settled by every consumer`,
        async () => {
          const events = await h.prisma.outboxEvent.findMany({ where: { aggregateId: bookingId } });
          if (events.length === 0 || events.some((e) => e.publishedAt === null)) return false;
          const settled = await h.prisma.consumerInboxEvent.count({ where: { bookingId } });
          return settled === events.length * consumers.length;
        },
        timeoutMs,
        200,
      );
    },

    async stop() {
      await pipeline.stop();
      await api.close();
      await nc.close();
      await removeTopology(sharedNatsUrl, topology);
      await h.stop();
      await ownDb.drop();
    },
  };
}

export type BookingPipeline = Awaited<ReturnType<typeof startBookingPipeline>>;
