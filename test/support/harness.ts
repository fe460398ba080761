import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import request from 'supertest';
import { inject } from 'vitest';
import type { createActivities } from '../../activities/index.ts';
import type { PaymentProvider } from '../../activities/payment-provider.ts';
import { type AppDependencies, createApp } from '../../src/api/app.ts';
import { operatorTokenAuthorizer } from '../../src/api/codec-authorizer.ts';
import { createPipelineMetrics } from '../../src/metrics/pipeline-metrics.ts';
import type { SagaMetrics } from '../../src/metrics/saga-metrics.ts';
import type { BookingRequest } from '../../src/bookings/booking-request.ts';
import { type AppConfig, loadConfig } from '../../src/config.ts';
import { type Database, openDatabase } from '../../src/db/open-database.ts';
import { createServices } from '../../src/services.ts';
import { defaultWalletSettings, type WalletSettings } from '../../src/wallet/wallet-settings.ts';
import { connectClient, connectWorkerConnection } from '../../src/temporal/connection.ts';
import { createBookingWorker } from '../../src/worker/create-worker.ts';
import type { Tracing } from '../../src/tracing/index.ts';
import { testDataProtection } from './data-protection.ts';
import './quiet-temporal-logs.ts';
import { createTestTokens } from './tokens.ts';

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
  /** API settings beyond the defaults (limits, CORS...). */
  app?: Partial<Pick<AppDependencies, 'writeLimit' | 'corsOrigins' | 'metricsAccess' | 'trustProxy' | 'accessLog'>>;
  /** Where the worker counts the saga's outcomes and step durations (default: nowhere). */
  sagaMetrics?: SagaMetrics;
  /** Cap on running sagas per traveler (default: none). */
  runningSagasPerTraveler?: number;
  /** The test process's tracing (src/tracing), for the worker's workflow spans (default: off). */
  tracing?: Tracing;
}

export type Harness = Awaited<ReturnType<typeof startHarness>>;

/** The real parts wired as in production, on the run's database and dev server, with a task queue of its own. */
export async function startHarness(options: HarnessOptions = {}) {
  const databaseUrl = options.databaseUrl ?? inject('databaseUrl');
  const temporalAddress = inject('temporalAddress');
  const temporalUiUrl = inject('temporalUiUrl');
  const taskQueue = `test-${randomUUID()}`;
  // The app's own wiring (src/services.ts) over the settings a deployment would give it, on the run's servers.
  const walletSettings = options.wallet ?? defaultWalletSettings;
  const loaded = loadConfig({
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: temporalAddress,
    TEMPORAL_TASK_QUEUE: taskQueue,
    TEMPORAL_UI_URL: temporalUiUrl,
    BOOKING_CANCELLATION_WINDOW: options.cancellationWindow ?? '1 hour',
    MIGRATE_ON_START: 'false',
  });
  // No write limit and no saga cap unless a test asks: most tests book many trips for one traveler at once.
  const config: AppConfig = {
    ...loaded,
    wallet: walletSettings,
    limits: { ...loaded.limits, writesPerWindow: 0, runningSagasPerTraveler: options.runningSagasPerTraveler ?? 0 },
  };
  const db: Database = await openDatabase({ databaseUrl, dataDir: '', migrate: config.migrateOnStart });
  const protection = await testDataProtection();
  const temporal: Client = await connectClient(temporalAddress, protection.dataConverter);
  const tokens = await createTestTokens();
  const services = createServices(config, db, temporal, protection, () => {}, createPipelineMetrics(), { auth: tokens.verifier });
  const { bookings, offers, wallets, metrics } = services;
  const appDependencies: AppDependencies = {
    ...services.appDependencies,
    ...options.app,
    codec: { codec: protection.codec, authorize: operatorTokenAuthorizer(tokens.verifier, protection.codecOperatorToken), allowedOrigins: [new URL(temporalUiUrl).origin] },
  };
  const app = createApp(appDependencies);

  let stopWorker = async () => {};
  if (options.worker !== false) {
    const { connection, namespace } = await connectWorkerConnection(config.temporalAddress);
    const worker = await createBookingWorker({
      connection,
      namespace,
      taskQueue: config.taskQueue,
      prisma: db.prisma,
      dataConverter: protection.dataConverter,
      workflowBundlePath: options.workflowBundlePath ?? inject('workflowBundlePath'),
      activities: options.activities,
      payments: options.payments,
      wallet: walletSettings,
      tracing: options.tracing,
      sagaMetrics: options.sagaMetrics,
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
    tokens,
    /** Another app over the same services, with other settings (limits, CORS, metrics access...). */
    appWith: (overrides: Partial<AppDependencies>) => createApp({ ...appDependencies, ...overrides }),
    temporal,
    protection,
    taskQueue,
    databaseUrl,
    temporalAddress,
    temporalUiUrl,

    /** A supertest agent that calls the app as an operator. */
    async asOperator() {
      return request.agent(app).set('Authorization', `Bearer ${await tokens.operator()}`);
    },

    /** A supertest agent that calls the app as this traveler. */
    async asTraveler(email: string) {
      return request.agent(app).set('Authorization', `Bearer ${await tokens.traveler(email)}`);
    },

    /** A supertest agent that calls the app as the traveler who made this booking. */
    async asOwnerOf(bookingId: string) {
      const email = await bookings.travelerOf(bookingId);
      if (!email) throw new Error(`no booking ${bookingId}`);
      return this.asTraveler(email);
    },

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
