// `npm run trips:stuck -- list | time-out BOOKING` against the PostgreSQL database at DATABASE_URL.
import { createTripOverseer } from '../choreography/overseer.ts';
import { choreographySteps } from '../choreography/services.ts';
import { loadConfig, requireSetting } from '../config.ts';
import { openDatabase } from '../db/open-database.ts';
import { systemClock } from '../lib/clock.ts';
import { runStuckTripsCommand } from '../operations/stuck-trips-command.ts';
import { walletPaymentMethod } from '../wallet/wallet-payment-method.ts';

const config = loadConfig();
const databaseUrl = requireSetting(config.databaseUrl, 'DATABASE_URL', 'the choreographed trips are in the PostgreSQL database');
const db = await openDatabase({ databaseUrl, dataDir: config.dataDir, migrate: false });
try {
  const services = choreographySteps({ clock: systemClock, payments: walletPaymentMethod(config.wallet) });
  const overseer = createTripOverseer({ prisma: db.prisma, services, deadlineMs: config.choreography.stepDeadlineMs, clock: systemClock });
  process.exitCode = await runStuckTripsCommand(process.argv.slice(2), overseer, { out: (line) => console.log(line), err: (line) => console.error(line) });
} finally {
  await db.close();
}
