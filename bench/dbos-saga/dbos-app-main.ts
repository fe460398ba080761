import { DBOS } from '@dbos-inc/dbos-sdk';
import type { Client } from '@temporalio/client';
import { msToNumber } from '@temporalio/common/lib/time.js';
import { createActivities } from '../../activities/index.ts';
import { createBookingService } from '../../src/bookings/booking-service.ts';
import type { BookTripInput } from '../../workflows/messages.ts';
import { loadConfig, requireSetting } from '../../src/config.ts';
import { loadDataProtection } from '../../src/data-protection/data-protection.ts';
import { openDatabase } from '../../src/db/open-database.ts';
import { systemClock } from '../../src/lib/clock.ts';
import { serveBookingFront } from '../reference-front.ts';
import { registerDbosBookTrip } from './dbos-workflow.ts';

/**
 * The peer-engine row's app, bench-only: `POST /bookings` and the saga in one process, as DBOS runs (a library in
 * the app, no server of its own). The booking is accepted by the real booking service (same transaction: booking
 * row, idempotency key, its two outbox events); only the saga's start goes to DBOS instead of Temporal. The relay and
 * the consumers of the run publish and apply its events as they do the Temporal saga's.
 */
const config = loadConfig();
const log = (line: string) => console.log(`[dbos app] ${line}`);
const db = await openDatabase({ databaseUrl: requireSetting(config.databaseUrl, 'DATABASE_URL', 'the saga writes to PostgreSQL'), dataDir: '', migrate: false });
const protection = await loadDataProtection({ dataDir: config.dataDir });
const activities = createActivities({ prisma: db.prisma, wallet: config.wallet });
const bookTrip = registerDbosBookTrip(activities, msToNumber(config.cancellationWindow) / 1000);
DBOS.setConfig({
  name: 'tripsaga-bench',
  systemDatabaseUrl: requireSetting(process.env.DBOS_SYSTEM_DATABASE_URL, 'DBOS_SYSTEM_DATABASE_URL', 'DBOS keeps its workflows in PostgreSQL'),
  applicationVersion: 'bench',
  logLevel: 'warn',
});
await DBOS.launch();

// The booking service speaks to a Temporal client; this one starts the saga on DBOS, workflow id = booking id.
const dbosStarter = {
  workflow: {
    start: async (_type: string, options: { workflowId: string; args: [BookTripInput] }) => {
      await DBOS.startWorkflow(bookTrip, { workflowID: options.workflowId })(options.args[0]);
    },
  },
  options: { namespace: 'dbos' },
} as unknown as Client;
const bookings = createBookingService({
  prisma: db.prisma,
  temporal: dbosStarter,
  taskQueue: 'dbos',
  clock: systemClock,
  temporalUiUrl: '',
  travelerPseudonym: protection.travelerPseudonym,
  cancellationWindow: config.cancellationWindow,
  log,
});
const server = await serveBookingFront(Number(process.env.PORT), async (request, key) => (await bookings.createBooking(request, key)).booking.id);
log(`listening on ${process.env.PORT}, DBOS ${config.cancellationWindow} cancellation window`);

const stop = async () => {
  server.close();
  await DBOS.shutdown();
  await db.close();
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());
