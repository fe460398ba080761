import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { systemClock } from '../../src/lib/clock.ts';
import type { BookingActivities } from '../../activities/index.ts';
import { createApp } from '../../src/api/app.ts';
import { createEphemeralIssuer } from '../../src/auth/ephemeral-issuer.ts';
import { createBookingService } from '../../src/bookings/booking-service.ts';
import type { BookingRequest } from '../../src/bookings/booking-request.ts';
import { ephemeralDataProtection } from '../../src/data-protection/data-protection.ts';
import { openDatabase } from '../../src/db/open-database.ts';
import { createOfferService } from '../../src/offers/offer-service.ts';
import { createWalletService } from '../../src/wallet/wallet-service.ts';
import { createBookingTimeline } from '../../src/timeline/booking-timeline.ts';
import { defaultWalletSettings } from '../../src/wallet/wallet-settings.ts';
import { ensureTemporalCli } from '../../src/temporal/cli.ts';
import { connectClient, connectWorkerConnection } from '../../src/temporal/connection.ts';
import { startTemporalDevServer } from '../../src/temporal/dev-server.ts';
import { devServerSearchAttributes } from '../../src/temporal/search-attributes.ts';
import { createBookingWorker } from '../../src/worker/create-worker.ts';
import { createTravelerTrips } from '../../src/read-model/traveler-trips.ts';
import { createPipelineMetrics } from '../../src/metrics/pipeline-metrics.ts';
import { createThrowawayDatabase, defaultAdminDatabaseUrl } from '../../src/db/throwaway-database.ts';

/**
 * The whole app wired as `npm start` wires it, on a throwaway database of the PostgreSQL server at
 * TEST_PG_ADMIN_URL (default 127.0.0.1:5432) and an in-memory Temporal dev server: for scripts that need real events
 * (recording fixtures, measuring payloads, capturing histories). Everything it starts, `close()` stops and drops.
 * `activities` replaces single activities of the worker, e.g. to fail one attempt on purpose. `plaintextPayloads`
 * leaves the payload codec out, for histories that are committed as fixtures (their keys would die with the process).
 */
export async function startSandbox(
  log: (line: string) => void = () => {},
  { activities, plaintextPayloads = false }: { activities?: Partial<BookingActivities>; plaintextPayloads?: boolean } = {},
) {
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // already installed in this process
  }
  const database = await createThrowawayDatabase('tripsaga_script', process.env.TEST_PG_ADMIN_URL ?? defaultAdminDatabaseUrl);
  const databaseUrl = database.url;
  const db = await openDatabase({ databaseUrl, dataDir: '', migrate: true });
  const server = await startTemporalDevServer({
    cliPath: await ensureTemporalCli({ log }),
    uiPort: null,
    searchAttributes: devServerSearchAttributes(),
    log,
  });
  const taskQueue = `script-${randomUUID()}`;
  const protection = ephemeralDataProtection();
  const dataConverter = plaintextPayloads ? {} : protection.dataConverter;
  const { connection, namespace } = await connectWorkerConnection(server.address);
  const worker = await createBookingWorker({ connection, namespace, taskQueue, prisma: db.prisma, activities, dataConverter });
  const running = worker.run();
  const temporal = await connectClient(server.address, dataConverter);
  const bookings = createBookingService({
    prisma: db.prisma,
    temporal,
    taskQueue,
    clock: systemClock,
    temporalUiUrl: 'http://localhost:8233',
    cancellationWindow: '1 hour',
    travelerPseudonym: protection.travelerPseudonym,
  });
  const offers = createOfferService(db.prisma);
  const wallets = createWalletService({ prisma: db.prisma, settings: defaultWalletSettings });
  const issuer = await createEphemeralIssuer();
  const app = createApp({
    bookings,
    offers,
    trips: createTravelerTrips(db.prisma),
    wallets,
    timelines: createBookingTimeline({ prisma: db.prisma, temporal, temporalUiUrl: 'http://localhost:8233' }),
    metrics: createPipelineMetrics().registry,
    readiness: { database: db.ping, temporal: async () => void (await temporal.workflowService.getSystemInfo({})) },
    auth: issuer.verifier,
    log,
  });

  return {
    /** Mints tokens the sandbox's API accepts. */
    mintToken: issuer.mint,
    prisma: db.prisma,
    protection,
    databaseUrl,
    temporal,
    taskQueue,
    bookings,
    offers,
    wallets,
    app,

    offer(kind: 'flight' | 'hotel' | 'car', name: string, capacity: number, amount: number) {
      return offers.create({ kind, name, capacity, price: { amount, currency: 'EUR' } });
    },

    async book(request: BookingRequest) {
      return (await bookings.createBooking(request)).booking.id;
    },

    async waitForStatus(bookingId: string, status: string, timeoutMs = 45_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const row = await db.prisma.booking.findUniqueOrThrow({ where: { id: bookingId } });
        if (row.status === status) return row;
        if (Date.now() > deadline) throw new Error(`booking ${bookingId} did not reach ${status} (last: ${row.status})`);
        await sleep(100);
      }
    },

    /** The outbox events of a booking, or of a wallet (by its stream id). */
    events(aggregateId: string) {
      return db.prisma.outboxEvent.findMany({ where: { aggregateId }, orderBy: { position: 'asc' } });
    },

    async close() {
      worker.shutdown();
      await running;
      await connection.close();
      await temporal.connection.close();
      await db.close();
      await server.stop();
      await database.drop();
    },
  };
}

export type Sandbox = Awaited<ReturnType<typeof startSandbox>>;
