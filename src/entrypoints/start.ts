import path from 'node:path';
import { serve } from '../api/serve.ts';
import { embeddedIssuer } from '../auth/embedded-issuer.ts';
import { loadConfig } from '../config.ts';
import { loadDataProtection } from '../data-protection/data-protection.ts';
import { openDatabase } from '../db/open-database.ts';
import { createLogger, lineLog } from '../lib/logger.ts';
import { closeAndExit, onStopSignal } from '../lib/shutdown.ts';
import { createPipelineMetrics } from '../metrics/pipeline-metrics.ts';
import { createWorkerMetrics } from '../metrics/worker-metrics.ts';
import { measurePendingSagas } from '../bookings/pending-sagas.ts';
import { startEventPipeline } from '../pipeline/event-pipeline.ts';
import { pipelineSettings } from '../pipeline/pipeline-settings.ts';
import { createServices, openApiWiring } from '../services.ts';
import { ensureTemporalCli } from '../temporal/cli.ts';
import { connectClient, connectWorkerConnection } from '../temporal/connection.ts';
import { type DevServer, responsiveDevServerConfig, startTemporalDevServer } from '../temporal/dev-server.ts';
import { logTemporalRuntimeTo } from '../temporal/runtime-logs.ts';
import { devServerSearchAttributes } from '../temporal/search-attributes.ts';
import { ensureNatsServer, type NatsServer, startNatsServer } from '../transport/jetstream/nats-server.ts';
import { createBookingWorker } from '../worker/create-worker.ts';
import { runSagaStarter } from '../worker/saga-starter.ts';
import { startTracing } from '../tracing/index.ts';

/**
 * `npm start`: the whole app in one process on one machine. Without DATABASE_URL it keeps an embedded PostgreSQL
 * under .data/; without TEMPORAL_ADDRESS it runs the Temporal dev server (Web UI on 8233, state in .data/temporal.db);
 * without NATS_URL it runs a nats-server with JetStream (store in .data/nats/), so a restart picks up the sagas that
 * were running and the events not yet applied. The outbox relay, the consumers and their prune job run here too.
 */
/** The traveler whose token `npm start` prints, as in the README's walk-through. */
const demoTraveler = 'ada@example.com';
const config = loadConfig();
const logger = createLogger({ component: 'tripsaga', level: config.logLevel });
const log = lineLog(logger);
// One process, one service: its spans tell the parts apart by their names (docs/tracing.md).
const tracing = startTracing(config.tracing, 'tripsaga');
// The worker's metrics (the saga's and the Temporal SDK's) are served by this process's API, beside the pipeline's.
const workerMetrics = await createWorkerMetrics();
logTemporalRuntimeTo(createLogger({ component: 'temporal-sdk', level: config.logLevel }), workerMetrics.telemetryOptions);

// Without an identity provider, this process signs its own tokens with a key under the data directory.
const issuer = await embeddedIssuer(config.auth, config.dataDir, { create: true });
// Keys from the environment, else generated once under the data directory (docs/security.md).
const protection = await loadDataProtection({ dataDir: config.dataDir, createIfMissing: true });
const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, migrate: true, log });
let devServer: DevServer | undefined;
let temporalAddress = config.temporalAddress;
if (!temporalAddress) {
  devServer = await startTemporalDevServer({
    cliPath: await ensureTemporalCli({ log }),
    dbFilename: path.join(config.dataDir, 'temporal.db'),
    port: config.temporalDevPort,
    uiPort: config.temporalUiPort,
    namespace: config.temporalNamespace,
    searchAttributes: devServerSearchAttributes(),
    dynamicConfig: responsiveDevServerConfig,
    log,
  });
  temporalAddress = devServer.address;
}
let natsServer: NatsServer | undefined;
let natsUrl = config.natsUrl;
if (!natsUrl) {
  natsServer = await startNatsServer({ binary: await ensureNatsServer({ log }), storeDir: path.join(config.dataDir, 'nats'), log });
  natsUrl = natsServer.url;
}

const { connection, namespace } = await connectWorkerConnection(temporalAddress);
workerMetrics.saga.probePending(() => measurePendingSagas(db.prisma));
const worker = await createBookingWorker({
  connection,
  namespace,
  taskQueue: config.taskQueue,
  prisma: db.prisma,
  wallet: config.wallet,
  dataConverter: protection.dataConverter,
  sagaMetrics: workerMetrics.saga,
  tracing,
});
const temporal = await connectClient(temporalAddress, protection.dataConverter);
const metrics = createPipelineMetrics();
const wiring = { ...(await openApiWiring(config, logger, log)), moreMetrics: workerMetrics.text };
// Links from GET /bookings/:id must open the UI this process serves, also when TEMPORAL_UI_PORT moved it.
const { app, bookings } = createServices({ ...config, temporalUiUrl: config.temporalUiUrl ?? devServer?.uiUrl }, db, temporal, protection, log, metrics, wiring);
const server = await serve(app, config.port, undefined, config.http);
// The pipeline starts once the API listens: status-updates calls it back (this process's own API unless told otherwise).
const pipeline = startEventPipeline({
  db,
  natsUrl,
  ...pipelineSettings(config, { consumers: true }),
  metrics,
  relay: true,
  consumers: true,
  apiBaseUrl: config.apiBaseUrl ?? `http://127.0.0.1:${server.port}`,
  apiToken: config.apiToken ? () => config.apiToken! : issuer?.serviceToken,
  log,
});
const starterStop = new AbortController();
const starter = runSagaStarter(bookings, { signal: starterStop.signal, log, onStarted: (n) => workerMetrics.sagasStarted.inc(n) });

log(`API on http://localhost:${server.port}  (database: ${db.kind}, Temporal: ${temporalAddress}, task queue: ${config.taskQueue})`);
if (issuer) {
  log(`operator token (offers, and reading everything): ${await issuer.mint({ role: 'operator' })}`);
  log(`traveler token for ${demoTraveler} (books and reads only their own): ${await issuer.mint({ role: 'traveler', email: demoTraveler })}`);
  log(`more: npm run token -- --traveler EMAIL | --operator  (signed with ${issuer.keyPath})`);
}
log(`events: NATS JetStream at ${natsUrl}${natsServer ? ` (own nats-server, store in ${path.join(config.dataDir, 'nats')})` : ''}`);
if (devServer?.uiUrl) log(`Temporal Web UI on ${devServer.uiUrl}`);
if (tracing.enabled) log(`traces to ${config.tracing.otlpEndpoint} (each booking's link in GET /bookings/:id: trace.url)`);
if (protection.codecOperatorToken) {
  log(`codec endpoint for the Web UI: http://localhost:${server.port}/codec (start a browser session at /codec/session; docs/security.md)`);
}

// The Temporal runtime already turns SIGINT/SIGTERM into a worker shutdown; we stop the rest around it.
onStopSignal(log, 'finishing in-flight requests and draining the worker', () => {
  starterStop.abort();
  void server.close().catch(() => {});
});

try {
  await worker.run();
} finally {
  starterStop.abort();
  await closeAndExit(log, [
    () => server.close().catch(() => {}),
    () => starter,
    pipeline.stop,
    wiring.close,
    () => temporal.connection.close(),
    () => connection.close(),
    devServer?.stop,
    natsServer && (() => natsServer.stop()),
    db.close,
    tracing.shutdown,
  ]);
}
