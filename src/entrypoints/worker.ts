import { loadConfig, requireSetting } from '../config.ts';
import { loadDataProtection } from '../data-protection/data-protection.ts';
import { openDatabase } from '../db/open-database.ts';
import { createLogger, lineLog } from '../lib/logger.ts';
import { closeAndExit, onStopSignal } from '../lib/shutdown.ts';
import { serveMetrics } from '../metrics/serve-metrics.ts';
import { createWorkerMetrics } from '../metrics/worker-metrics.ts';
import { measurePendingSagas } from '../bookings/pending-sagas.ts';
import { createBookings } from '../services.ts';
import { connectClient, connectWorkerConnection } from '../temporal/connection.ts';
import { logTemporalRuntimeTo } from '../temporal/runtime-logs.ts';
import { ensureSearchAttributes } from '../temporal/search-attributes.ts';
import { createBookingWorker } from '../worker/create-worker.ts';
import { runSagaStarter } from '../worker/saga-starter.ts';
import { startTracing } from '../tracing/index.ts';

/** `npm run worker`: the saga worker alone, for deployments with a real PostgreSQL and Temporal cluster. */
const config = loadConfig();
const logger = createLogger({ component: 'worker', level: config.logLevel });
const log = lineLog(logger);
const databaseUrl = requireSetting(config.databaseUrl, 'DATABASE_URL', 'the worker needs a PostgreSQL server (npm start embeds one)');
const tracing = startTracing(config.tracing, 'tripsaga-worker');

const workerMetrics = config.metricsPort === undefined ? undefined : await createWorkerMetrics();
logTemporalRuntimeTo(createLogger({ component: 'temporal-sdk', level: config.logLevel }), workerMetrics?.telemetryOptions);
const protection = await loadDataProtection({ dataDir: config.dataDir });
const db = await openDatabase({ databaseUrl, dataDir: config.dataDir, migrate: config.migrateOnStart, log });
const { connection, namespace } = await connectWorkerConnection(config.temporalAddress);
workerMetrics?.saga.probePending(() => measurePendingSagas(db.prisma));
const worker = await createBookingWorker({
  connection,
  namespace,
  taskQueue: config.taskQueue,
  prisma: db.prisma,
  wallet: config.wallet,
  dataConverter: protection.dataConverter,
  sagaMetrics: workerMetrics?.saga,
  tracing,
});
const temporal = await connectClient(config.temporalAddress, protection.dataConverter);
await ensureSearchAttributes(temporal, log);
// The saga starter needs the booking service only (no HTTP app: the API runs elsewhere).
const bookings = createBookings(config, db, temporal, protection, log);
const starterStop = new AbortController();
const starter = runSagaStarter(bookings, { signal: starterStop.signal, log, onStarted: (n) => workerMetrics?.sagasStarted.inc(n) });
const metricsServer =
  workerMetrics && config.metricsPort !== undefined
    ? await serveMetrics(workerMetrics.registry, config.metricsPort, {
        readiness: { database: db.ping, temporal: async () => void (await temporal.workflowService.getSystemInfo({})) },
        moreMetrics: workerMetrics.sdkMetrics,
      })
    : undefined;
onStopSignal(log, 'letting running activities finish', () => starterStop.abort());

log(`polling task queue ${config.taskQueue} on ${namespace}${metricsServer ? `, metrics on :${metricsServer.port}/metrics` : ''}${tracing.enabled ? `, traces to ${config.tracing.otlpEndpoint}` : ''}`);
try {
  await worker.run(); // resolves after SIGINT/SIGTERM, once running activities have finished
} finally {
  starterStop.abort();
  await closeAndExit(log, [() => starter, metricsServer?.close, () => temporal.connection.close(), () => connection.close(), db.close, tracing.shutdown]);
}
