import { loadConfig, requireSetting } from '../config.ts';
import { openDatabase } from '../db/open-database.ts';
import { createBookings } from '../services.ts';
import { connectClient, connectWorkerConnection } from '../temporal/connection.ts';
import { ensureSearchAttributes } from '../temporal/search-attributes.ts';
import { createBookingWorker } from './create-worker.ts';
import { runSagaStarter } from './saga-starter.ts';

/** `npm run worker`: the saga worker alone, for deployments with a real PostgreSQL and Temporal cluster. */
const log = (line: string) => console.log(`[worker] ${line}`);
const config = loadConfig();
const databaseUrl = requireSetting(config.databaseUrl, 'DATABASE_URL', 'the worker needs a PostgreSQL server (npm start embeds one)');

const db = await openDatabase({ databaseUrl, dataDir: config.dataDir, migrate: config.migrateOnStart, log });
const { connection, namespace } = await connectWorkerConnection(config.temporalAddress);
const worker = await createBookingWorker({ connection, namespace, taskQueue: config.taskQueue, prisma: db.prisma });
const temporal = await connectClient(config.temporalAddress);
await ensureSearchAttributes(temporal, log);
const bookings = createBookings(config, db, temporal, log);
const starterStop = new AbortController();
const starter = runSagaStarter(bookings, { signal: starterStop.signal, log });
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => starterStop.abort());

log(`polling task queue ${config.taskQueue} on ${namespace}`);
try {
  await worker.run(); // resolves after SIGINT/SIGTERM, once running activities have finished
} finally {
  starterStop.abort();
  await starter;
  await temporal.connection.close();
  await connection.close();
  await db.close();
  log('stopped');
  // Everything we opened is closed; do not wait on handles held by libraries' internals (the native runtime).
  process.exit();
}
