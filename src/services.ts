import type { Client } from '@temporalio/client';
import { systemClock } from './lib/clock.ts';
import { createApp } from './api/app.ts';
import { operatorSecretAuthorizer } from './api/codec-endpoint.ts';
import { createBookingService } from './bookings/booking-service.ts';
import { type AppConfig, defaultTemporalUiUrl } from './config.ts';
import type { DataProtection } from './data-protection/data-protection.ts';
import { createTravelerTrips } from './read-model/traveler-trips.ts';
import type { Database } from './db/open-database.ts';
import { createPipelineMetrics, type PipelineMetrics } from './metrics/pipeline-metrics.ts';
import { createOfferService } from './offers/offer-service.ts';
import { createWalletService } from './wallet/wallet-service.ts';

/**
 * The API and the saga starter over one database and one Temporal client: what every entry point wires up. The
 * metrics are shared with the relay and consumers when they run in the same process (`npm start`).
 */
export function createServices(
  config: AppConfig,
  db: Database,
  temporal: Client,
  protection: DataProtection,
  log: (line: string) => void,
  metrics: PipelineMetrics = createPipelineMetrics(),
) {
  const bookings = createBookings(config, db, temporal, protection, log);
  const app = createApp({
    bookings,
    offers: createOfferService(db.prisma),
    trips: createTravelerTrips(db.prisma),
    wallets: createWalletService({ prisma: db.prisma, settings: config.wallet }),
    metrics: metrics.registry,
    readiness: {
      database: db.ping,
      temporal: async () => {
        await temporal.withDeadline(Date.now() + 2_000, () => temporal.workflowService.getSystemInfo({}));
      },
    },
    // Interim: a shared operator secret. The Web UI at temporalUiUrl may call it from the browser.
    ...(protection.codecOperatorToken
      ? {
          codec: {
            codec: protection.codec,
            authorize: operatorSecretAuthorizer(protection.codecOperatorToken),
            allowedOrigins: [new URL(config.temporalUiUrl ?? defaultTemporalUiUrl).origin],
          },
        }
      : {}),
    log,
  });
  return { bookings, app, metrics };
}

/** The booking service alone: what the saga starter of `npm run worker` needs (the API runs elsewhere). */
export function createBookings(
  config: AppConfig,
  db: Pick<Database, 'prisma'>,
  temporal: Client,
  protection: Pick<DataProtection, 'travelerPseudonym'>,
  log: (line: string) => void,
) {
  return createBookingService({
    prisma: db.prisma,
    temporal,
    taskQueue: config.taskQueue,
    clock: systemClock,
    temporalUiUrl: config.temporalUiUrl ?? defaultTemporalUiUrl,
    cancellationWindow: config.cancellationWindow,
    travelerPseudonym: protection.travelerPseudonym,
    log,
  });
}
