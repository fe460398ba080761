import { defaultNatsUrl, loadConfig, requireSetting } from '../config.ts';
import { openDatabase } from '../db/open-database.ts';
import { closeAndExit, onStopSignal } from '../lib/shutdown.ts';
import { createPipelineMetrics } from '../metrics/pipeline-metrics.ts';
import { serveMetrics } from '../metrics/serve-metrics.ts';
import { startEventPipeline } from '../pipeline/event-pipeline.ts';

/**
 * `npm run consumers`: the read model (trip summaries), the notifier and (with API_BASE_URL) status-updates, each on
 * its durable JetStream consumer.
 * More processes may run: every booking's events are still applied once each, in order (see apply-event.ts).
 */
const log = (line: string) => console.log(`[consumers] ${line}`);
const config = loadConfig();
const databaseUrl = requireSetting(config.databaseUrl, 'DATABASE_URL', 'the consumers write to a PostgreSQL server (npm start embeds one)');
const natsUrl = config.natsUrl ?? defaultNatsUrl;

const db = await openDatabase({ databaseUrl, dataDir: config.dataDir, migrate: config.migrateOnStart, log });
const metrics = createPipelineMetrics();
const pipeline = startEventPipeline({ db, natsUrl, natsSubjectRoot: config.natsSubjectRoot, metrics, relay: false, consumers: true, apiBaseUrl: config.apiBaseUrl, log });
const metricsServer = config.metricsPort === undefined ? undefined : await serveMetrics(metrics.registry, config.metricsPort);
log(`running (NATS JetStream at ${natsUrl}${metricsServer ? `, metrics on :${metricsServer.port}/metrics` : ''})`);

onStopSignal(log, 'settling the events in hand', () => closeAndExit(log, [pipeline.stop, metricsServer?.close, db.close]));
