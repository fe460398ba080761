import type { Client } from '@temporalio/client';
import type { RequestHandler } from 'express';
import type { Store } from 'express-rate-limit';
import { systemClock } from './lib/clock.ts';
import type { Logger } from 'pino';
import { accessLog } from './api/access-log.ts';
import { type AppDependencies, createApp } from './api/app.ts';
import { connectRateLimitStore } from './api/rate-limit.ts';
import { verifierFromSettings } from './auth/verify-token.ts';
import { operatorTokenAuthorizer } from './api/codec-authorizer.ts';
import { createBookingService } from './bookings/booking-service.ts';
import { type AppConfig, defaultTemporalUiUrl } from './config.ts';
import type { DataProtection } from './data-protection/data-protection.ts';
import { createTravelerTrips } from './read-model/traveler-trips.ts';
import type { Database } from './db/open-database.ts';
import type { PipelineMetrics } from './metrics/pipeline-metrics.ts';
import { createOfferService } from './offers/offer-service.ts';
import { createWalletService } from './wallet/wallet-service.ts';
import { createBookingTimeline } from './timeline/booking-timeline.ts';
import type { TokenVerifier } from './auth/verify-token.ts';

/** What the API needs besides the domain: how it checks tokens, where limits are counted, how it logs requests. */
export interface ApiWiring {
  auth: TokenVerifier;
  writeLimitStore?: Store;
  accessLog?: RequestHandler;
  /** More Prometheus text for the API's GET /metrics (`npm start` adds its worker's). */
  moreMetrics?: () => Promise<string>;
}

/** What an entry point serving the API opens besides the domain: the token verifier, the limiter's store, the access log. */
export async function openApiWiring(config: AppConfig, logger: Logger, log: (line: string) => void): Promise<ApiWiring & { close(): Promise<void> }> {
  const auth = await verifierFromSettings(config.auth, config.dataDir);
  log(`tokens verified against ${auth.source} (issuer ${config.auth.issuer}, audience ${config.auth.audience})`);
  const limiter = config.redisUrl ? await connectRateLimitStore(config.redisUrl, `${config.redisKeyPrefix}rate-limit:`, log) : undefined;
  if (config.limits.writesPerWindow > 0) {
    log(`writes limited to ${config.limits.writesPerWindow} per ${config.limits.windowSeconds} s per caller, counted ${limiter ? `in Redis at ${config.redisUrl}` : 'in memory'}`);
  }
  return { auth, writeLimitStore: limiter?.store, accessLog: accessLog(logger), close: async () => limiter?.close() };
}

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
  metrics: PipelineMetrics,
  wiring: ApiWiring,
) {
  const bookings = createBookings(config, db, temporal, protection, log);
  const offers = createOfferService(db.prisma);
  const wallets = createWalletService({ prisma: db.prisma, settings: config.wallet });
  const appDependencies: AppDependencies = {
    bookings,
    offers,
    trips: createTravelerTrips(db.prisma),
    wallets,
    timelines: createBookingTimeline({ prisma: db.prisma, temporal, temporalUiUrl: config.temporalUiUrl ?? defaultTemporalUiUrl, tracingUiUrl: config.tracing.uiUrl }),
    metrics: metrics.registry,
    moreMetrics: wiring.moreMetrics,
    readiness: {
      database: db.ping,
      temporal: async () => {
        await temporal.withDeadline(Date.now() + 2_000, () => temporal.workflowService.getSystemInfo({}));
      },
    },
    auth: wiring.auth,
    writeLimit: { limit: config.limits.writesPerWindow, windowSeconds: config.limits.windowSeconds, store: wiring.writeLimitStore },
    corsOrigins: config.corsOrigins,
    metricsAccess: config.metricsAccess,
    trustProxy: config.trustProxy,
    accessLog: wiring.accessLog,
    // An operator's token (or, for now, the interim shared secret). The Web UI at temporalUiUrl may call it from the browser.
    ...(protection.codecOperatorToken
      ? {
          codec: {
            codec: protection.codec,
            authorize: operatorTokenAuthorizer(wiring.auth, protection.codecOperatorToken),
            allowedOrigins: [new URL(config.temporalUiUrl ?? defaultTemporalUiUrl).origin],
          },
        }
      : {}),
    log,
  };
  // appDependencies: what the app was made of, so a second app over the same services can differ in one setting.
  return { bookings, offers, wallets, app: createApp(appDependencies), appDependencies, metrics };
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
    runningSagasPerTraveler: config.limits.runningSagasPerTraveler,
    tracingUiUrl: config.tracing.uiUrl,
  });
}
