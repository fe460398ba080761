import type { Client } from '@temporalio/client';
import { systemClock } from '../activities/clock.ts';
import { createApp } from './api/app.ts';
import { createBookingService } from './bookings/booking-service.ts';
import { type AppConfig, defaultTemporalUiUrl } from './config.ts';
import type { Database } from './db/open-database.ts';
import { createOfferService } from './offers/offer-service.ts';

/** The API and the saga starter over one database and one Temporal client: what every entry point wires up. */
export function createServices(config: AppConfig, db: Database, temporal: Client, log: (line: string) => void) {
  const bookings = createBookingService({
    prisma: db.prisma,
    temporal,
    taskQueue: config.taskQueue,
    clock: systemClock,
    temporalUiUrl: config.temporalUiUrl ?? defaultTemporalUiUrl,
    cancellationWindow: config.cancellationWindow,
    log,
  });
  const app = createApp({
    bookings,
    offers: createOfferService(db.prisma),
    readiness: {
      database: db.ping,
      temporal: async () => {
        await temporal.withDeadline(Date.now() + 2_000, () => temporal.workflowService.getSystemInfo({}));
      },
    },
    log,
  });
  return { bookings, app };
}
