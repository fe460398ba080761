import { defaultNatsUrl, loadConfig, requireSetting } from '../config.ts';
import { openDatabase } from '../db/open-database.ts';
import { closeAndExit, onStopSignal } from '../lib/shutdown.ts';
import { createPipelineMetrics } from '../metrics/pipeline-metrics.ts';
import { serveMetrics } from '../metrics/serve-metrics.ts';
import { startEventPipeline } from '../pipeline/event-pipeline.ts';

/**
 * `npm run relay`: the outbox relay alone. Run as many as you like against one database: they share the outbox
 * partitions between them, and each booking's events still leave in order.
 */
const log = (line: string) => console.log(`[relay] ${line}`);
const config = loadConfig();
const databaseUrl = requireSetting(config.databaseUrl, 'DATABASE_URL', 'the relay reads the outbox of a PostgreSQL server (npm start embeds one)');
const natsUrl = config.natsUrl ?? defaultNatsUrl;

const db = await openDatabase({ databaseUrl, dataDir: config.dataDir, migrate: config.migrateOnStart, log });
const metrics = createPipelineMetrics();
const pipeline = startEventPipeline({ db, natsUrl, natsSubjectRoot: config.natsSubjectRoot, metrics, relay: true, consumers: false, log });
const metricsServer = config.metricsPort === undefined ? undefined : await serveMetrics(metrics.registry, config.metricsPort);
log(`running (NATS JetStream at ${natsUrl}${metricsServer ? `, metrics on :${metricsServer.port}/metrics` : ''})`);

onStopSignal(log, 'finishing the batch in hand', () => closeAndExit(log, [pipeline.stop, metricsServer?.close, db.close]));
