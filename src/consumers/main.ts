import { loadConfig, requireSetting } from '../config.ts';
import { openDatabase } from '../db/open-database.ts';
import { createPipelineMetrics } from '../metrics/pipeline-metrics.ts';
import { serveMetrics } from '../metrics/serve-metrics.ts';
import { resolveEventTransport, startEventPipeline } from '../pipeline/event-pipeline.ts';

/**
 * `npm run consumers`: the read model (trip summaries), the notifier and (with API_BASE_URL) status-updates, each on
 * its durable JetStream consumer.
 * More processes may run: every booking's events are still applied once each, in order (see apply-event.ts).
 */
const log = (line: string) => console.log(`[consumers] ${line}`);
const config = loadConfig();
const databaseUrl = requireSetting(config.databaseUrl, 'DATABASE_URL', 'the consumers write to a PostgreSQL server (npm start embeds one)');

const db = await openDatabase({ databaseUrl, dataDir: config.dataDir, migrate: config.migrateOnStart, log });
const metrics = createPipelineMetrics();
const transport = await resolveEventTransport(config.eventTransport ?? 'jetstream', config.natsUrl);
const pipeline = startEventPipeline({ db, transport, natsUrl: config.natsUrl, natsSubjectRoot: config.natsSubjectRoot, natsStreamReplicas: config.natsStreamReplicas, metrics, relay: false, consumers: true, apiBaseUrl: config.apiBaseUrl, log });
const metricsServer = config.metricsPort === undefined ? undefined : await serveMetrics(metrics.registry, config.metricsPort, { readiness: { database: db.ping, nats: pipeline.checkBroker } });
log(`running (transport: ${transport}${metricsServer ? `, metrics on :${metricsServer.port}/metrics` : ''})`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, async () => {
    log(`${signal}: settling the events in hand`);
    await pipeline.stop();
    await metricsServer?.close();
    await db.close();
    log('stopped');
    process.exit();
  });
}
