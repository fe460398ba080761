import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import { inject } from 'vitest';
import { systemClock } from '../../src/lib/clock.ts';
import type { createActivities } from '../../activities/index.ts';
import type { PaymentProvider } from '../../activities/payment-provider.ts';
import { createApp } from '../../src/api/app.ts';
import { operatorSecretAuthorizer } from '../../src/api/codec-endpoint.ts';
import { createBookingService } from '../../src/bookings/booking-service.ts';
import { createTravelerTrips } from '../../src/read-model/traveler-trips.ts';
import { createPipelineMetrics } from '../../src/metrics/pipeline-metrics.ts';
import type { BookingRequest } from '../../src/bookings/booking-request.ts';
import { type Database, openDatabase } from '../../src/db/open-database.ts';
import { createOfferService } from '../../src/offers/offer-service.ts';
import { createWalletService } from '../../src/wallet/wallet-service.ts';
import { defaultWalletSettings, type WalletSettings } from '../../src/wallet/wallet-settings.ts';
import { connectClient, connectWorkerConnection } from '../../src/temporal/connection.ts';
import { createBookingWorker } from '../../src/worker/create-worker.ts';
import { testDataProtection } from './data-protection.ts';
import './quiet-temporal-logs.ts';

export interface HarnessOptions {
  /** Start a worker in this process (default). Off for tests that run their worker in a child process. */
  worker?: boolean;
  activities?: Partial<ReturnType<typeof createActivities>>;
  /** The worker's payment provider (default: a fresh fake); pass one to inspect what it charged. */
  payments?: PaymentProvider;
  /** The wallet's opening credit and snapshot interval, for the API and the worker (default: the production ones). */
  wallet?: WalletSettings;
  cancellationWindow?: string;
  /** A database of the test file's own (see own-database.ts) instead of the run's shared one. */
  databaseUrl?: string;
  /** The worker's workflow code (default: the bundle of workflows/ built once for the run). */
  workflowBundlePath?: string;
}

export type Harness = Awaited<ReturnType<typeof startHarness>>;

/** The real parts wired as in production, on the run's database and dev server, with a task queue of its own. */
export async function startHarness(options: HarnessOptions = {}) {
  const databaseUrl = options.databaseUrl ?? inject('databaseUrl');
  const temporalAddress = inject('temporalAddress');
  const temporalUiUrl = inject('temporalUiUrl');
  const db: Database = await openDatabase({ databaseUrl, dataDir: '', migrate: false });
  const taskQueue = `test-${randomUUID()}`;
  const protection = await testDataProtection();
  const temporal: Client = await connectClient(temporalAddress, protection.dataConverter);
  const bookings = createBookingService({
    prisma: db.prisma,
    temporal,
    taskQueue,
    clock: systemClock,
    temporalUiUrl,
    cancellationWindow: options.cancellationWindow ?? '1 hour',
    travelerPseudonym: protection.travelerPseudonym,
  });
  const offers = createOfferService(db.prisma);
  const metrics = createPipelineMetrics();
  const walletSettings = options.wallet ?? defaultWalletSettings;
  const wallets = createWalletService({ prisma: db.prisma, settings: walletSettings });
  const app = createApp({
    bookings,
    offers,
    trips: createTravelerTrips(db.prisma),
    wallets,
    metrics: metrics.registry,
    readiness: { database: db.ping, temporal: async () => void (await temporal.workflowService.getSystemInfo({})) },
    codec: { codec: protection.codec, authorize: operatorSecretAuthorizer(protection.codecOperatorToken!), allowedOrigins: [new URL(temporalUiUrl).origin] },
    log: () => {},
  });

  let stopWorker = async () => {};
  if (options.worker !== false) {
    const { connection, namespace } = await connectWorkerConnection(temporalAddress);
    const worker = await createBookingWorker({
      connection,
      namespace,
      taskQueue,
      prisma: db.prisma,
      dataConverter: protection.dataConverter,
      workflowBundlePath: options.workflowBundlePath ?? inject('workflowBundlePath'),
      activities: options.activities,
      payments: options.payments,
      wallet: walletSettings,
    });
    const running = worker.run();
    stopWorker = async () => {
      worker.shutdown();
      await running;
      await connection.close();
    };
  }

  const prisma = db.prisma;
  return {
    db,
    prisma,
    metrics,
    bookings,
    offers,
    wallets,
    walletSettings,
    app,
    temporal,
    protection,
    taskQueue,
    databaseUrl,
    temporalAddress,
    temporalUiUrl,

    async offer(kind: 'flight' | 'hotel' | 'car', capacity: number, name = `${kind} ${randomUUID().slice(0, 8)}`, amount = 10_000) {
      return offers.create({ kind, name, capacity, price: { amount, currency: 'EUR' } });
    },

    /** A trip over fresh offers with plenty of room unless told otherwise. */
    async tripOffers(capacity: Partial<Record<'flight' | 'hotel' | 'car', number>> = {}) {
      const flight = await this.offer('flight', capacity.flight ?? 10);
      const hotel = await this.offer('hotel', capacity.hotel ?? 10);
      const car = await this.offer('car', capacity.car ?? 10);
      return { flight, hotel, car };
    },

    request(offerIds: { flight: string; hotel: string; car?: string }, seats = 2, rooms = 1): BookingRequest {
      return {
        traveler: { name: 'Ada Lovelace', email: `ada+${randomUUID().slice(0, 8)}@example.com` },
        flight: { offerId: offerIds.flight, seats },
        hotel: { offerId: offerIds.hotel, rooms },
        ...(offerIds.car ? { car: { offerId: offerIds.car } } : {}),
      };
    },

    async book(request: BookingRequest) {
      return (await bookings.createBooking(request)).booking.id;
    },

    async waitForStatus(bookingId: string, status: string, timeoutMs = 45_000) {
      const deadline = Date.now() + timeoutMs;
      let last = '';
      while (Date.now() < deadline) {
        const row = await prisma.booking.findUnique({ where: { id: bookingId } });
        last = row?.status ?? 'missing';
        if (last === status) return row!;
        await sleep(100);
      }
      throw new Error(`booking ${bookingId} did not reach ${status} in ${timeoutMs} ms (last: ${last})`);
    },

    async eventTypes(bookingId: string) {
      const events = await prisma.outboxEvent.findMany({ where: { aggregateId: bookingId }, orderBy: { position: 'asc' } });
      return events.map((e) => e.type.replace('com.tripsaga.', ''));
    },

    async available(offerId: string) {
      return (await prisma.offer.findUniqueOrThrow({ where: { id: offerId } })).available;
    },

    async stop() {
      await stopWorker();
      await temporal.connection.close();
      await db.close();
    },
  };
}
