import { serve } from '../api/serve.ts';
import { loadConfig, requireSetting } from '../config.ts';
import { loadDataProtection } from '../data-protection/data-protection.ts';
import { openDatabase } from '../db/open-database.ts';
import { closeAndExit, onStopSignal } from '../lib/shutdown.ts';
import { createPipelineMetrics } from '../metrics/pipeline-metrics.ts';
import { probeOutboxBacklog } from '../relay/pending-events.ts';
import { createServices, openApiWiring } from '../services.ts';
import { connectClient } from '../temporal/connection.ts';
import { createLogger, lineLog } from '../lib/logger.ts';
import { startTracing } from '../tracing/index.ts';

/** `npm run api`: the HTTP API alone, for deployments with a real PostgreSQL and Temporal cluster. */
const config = loadConfig();
const logger = createLogger({ component: 'api', level: config.logLevel });
const log = lineLog(logger);
const databaseUrl = requireSetting(config.databaseUrl, 'DATABASE_URL', 'the API needs a PostgreSQL server (npm start embeds one)');
const tracing = startTracing(config.tracing, 'tripsaga-api');

const protection = await loadDataProtection({ dataDir: config.dataDir });
const db = await openDatabase({ databaseUrl, dataDir: config.dataDir, migrate: config.migrateOnStart, log });
const temporal = await connectClient(config.temporalAddress, protection.dataConverter);
const metrics = createPipelineMetrics();
// The relay runs elsewhere; the outbox backlog is in the database, so the API reports it too.
probeOutboxBacklog(metrics, db.prisma);
const wiring = await openApiWiring(config, logger, log);
const { app } = createServices(config, db, temporal, protection, log, metrics, wiring);
const server = await serve(app, config.port, undefined, config.http);
log(`listening on http://localhost:${server.port}${tracing.enabled ? `, traces to ${config.tracing.otlpEndpoint}` : ''}`);

onStopSignal(log, 'finishing in-flight requests', () => closeAndExit(log, [server.close, wiring.close, () => temporal.connection.close(), db.close, tracing.shutdown]));
