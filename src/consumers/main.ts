import { embeddedIssuer } from '../auth/embedded-issuer.ts';
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
// status-updates calls the API with API_TOKEN, or with a token signed by the embedded key if this machine has one.
const issuer = config.apiToken ? undefined : await embeddedIssuer(config.auth, config.dataDir, { create: false });
const apiToken = config.apiToken ? () => config.apiToken! : issuer?.serviceToken;
if (config.apiBaseUrl && !apiToken) log('API_TOKEN is not set: status-updates will be refused by an API that checks tokens');
const transport = await resolveEventTransport(config.eventTransport ?? 'jetstream', config.natsUrl);
const pipeline = startEventPipeline({ db, transport, natsUrl: config.natsUrl, natsSubjectRoot: config.natsSubjectRoot, metrics, relay: false, consumers: true, apiBaseUrl: config.apiBaseUrl, apiToken, log });
const metricsServer = config.metricsPort === undefined ? undefined : await serveMetrics(metrics.registry, config.metricsPort);
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
