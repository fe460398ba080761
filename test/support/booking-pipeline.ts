import { serve } from '../../src/api/serve.ts';
import { defaultWalletSettings } from '../../src/wallet/wallet-settings.ts';
import { waitUntil } from './direct-trips.ts';
import { type HarnessOptions, startHarness } from './harness.ts';
import { createOwnDatabase } from './own-database.ts';
import { startTestPipeline } from './pipeline.ts';

/**
 * Everything a booking touches, end to end: the harness (API, worker) on a database of its own, the API on a free
 * port, and the relay with the default consumers (status-updates among them, calling that API back) on streams of
 * its own; with `choreography`, the choreographed trip's services too. For tests that read what the whole system
 * recorded of a booking.
 */
export async function startBookingPipeline(label: string, options: HarnessOptions & { choreography?: boolean } = {}) {
  const { choreography = false, ...harnessOptions } = options;
  const ownDb = await createOwnDatabase(label);
  const h = await startHarness({ ...harnessOptions, databaseUrl: ownDb.url });
  const api = await serve(h.app, 0, '127.0.0.1');
  const apiBaseUrl = `http://127.0.0.1:${api.port}`;
  const apiToken = () => h.tokens.operator();
  const { nc, topology, pipeline, stop } = await startTestPipeline(h, {
    relay: true,
    consumers: true,
    apiBaseUrl,
    apiToken,
    ...(choreography ? { choreography: { wallet: defaultWalletSettings, stepDeadlineMs: 60_000 } } : {}),
    runnerOptions: { maxAttempts: 3, retryDelayMs: 100, orderWaitMs: 100 },
  });
  const consumers = pipeline.consumerNames;

  return {
    h,
    nc,
    topology,
    /** The API as a browser reaches it. */
    apiUrl: `http://localhost:${api.port}`,
    /** The API as the pipeline's status-updates consumer calls it back. */
    apiBaseUrl,
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
      await stop();
      await api.close();
      await h.stop();
      await ownDb.drop();
    },
  };
}

export type BookingPipeline = Awaited<ReturnType<typeof startBookingPipeline>>;
