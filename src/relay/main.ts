import { loadConfig, requireSetting } from '../config.ts';
import { openDatabase } from '../db/open-database.ts';
import { createPipelineMetrics } from '../metrics/pipeline-metrics.ts';
import { serveMetrics } from '../metrics/serve-metrics.ts';
import { resolveEventTransport, startEventPipeline } from '../pipeline/event-pipeline.ts';

/**
 * `npm run relay`: the outbox relay alone. Run as many as you like against one database: they share the outbox
 * partitions between them, and each booking's events still leave in order.
 */
const log = (line: string) => console.log(`[relay] ${line}`);
const config = loadConfig();
const databaseUrl = requireSetting(config.databaseUrl, 'DATABASE_URL', 'the relay reads the outbox of a PostgreSQL server (npm start embeds one)');

const db = await openDatabase({ databaseUrl, dataDir: config.dataDir, migrate: config.migrateOnStart, log });
const metrics = createPipelineMetrics();
const transport = await resolveEventTransport(config.eventTransport ?? 'jetstream', config.natsUrl);
const pipeline = startEventPipeline({ db, transport, natsUrl: config.natsUrl, natsSubjectRoot: config.natsSubjectRoot, natsStreamReplicas: config.natsStreamReplicas, metrics, relay: true, consumers: false, log });
const metricsServer = config.metricsPort === undefined ? undefined : await serveMetrics(metrics.registry, config.metricsPort, { readiness: { database: db.ping, nats: pipeline.checkBroker } });
log(`running (transport: ${transport}${metricsServer ? `, metrics on :${metricsServer.port}/metrics` : ''})`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, async () => {
    log(`${signal}: finishing the batch in hand`);
    await pipeline.stop();
    await metricsServer?.close();
    await db.close();
    log('stopped');
    process.exit();
  });
}
