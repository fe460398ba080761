import { embeddedIssuer } from '../auth/embedded-issuer.ts';
import { type AppConfig, defaultNatsUrl, loadConfig, requireSetting } from '../config.ts';
import { openDatabase } from '../db/open-database.ts';
import { createLogger, lineLog } from '../lib/logger.ts';
import { closeAndExit, onStopSignal } from '../lib/shutdown.ts';
import { createPipelineMetrics } from '../metrics/pipeline-metrics.ts';
import { serveMetrics } from '../metrics/serve-metrics.ts';
import { startEventPipeline } from './event-pipeline.ts';
import { pipelineSettings } from './pipeline-settings.ts';
import { startTracing } from '../tracing/index.ts';

/**
 * A process that runs one part of the event pipeline against a PostgreSQL server and NATS (`npm run relay`, `npm run
 * consumers`): configuration, database, metrics, health and readiness endpoint (METRICS_PORT), and a graceful stop on SIGINT/SIGTERM.
 */
export async function runPipelineProcess(part: { name: 'relay' | 'consumers'; needsDatabaseFor: string; finishing: string }) {
  const config = loadConfig();
  const log = lineLog(createLogger({ component: part.name, level: config.logLevel }));
  const databaseUrl = requireSetting(config.databaseUrl, 'DATABASE_URL', `${part.needsDatabaseFor} (npm start embeds one)`);
  const natsUrl = config.natsUrl ?? defaultNatsUrl;
  const tracing = startTracing(config.tracing, `tripsaga-${part.name}`);

  const db = await openDatabase({ databaseUrl, dataDir: config.dataDir, migrate: config.migrateOnStart, log });
  const metrics = createPipelineMetrics();
  const apiToken = part.name === 'consumers' ? await callbackToken(config, log) : undefined;
  const pipeline = startEventPipeline({
    db,
    natsUrl,
    ...pipelineSettings(config, { consumers: part.name === 'consumers' }),
    metrics,
    relay: part.name === 'relay',
    consumers: part.name === 'consumers',
    apiBaseUrl: config.apiBaseUrl,
    apiToken,
    log,
  });
  const metricsServer = config.metricsPort === undefined ? undefined : await serveMetrics(metrics.registry, config.metricsPort, { readiness: { database: db.ping, nats: pipeline.checkBroker } });
  log(`running (NATS JetStream at ${natsUrl}${metricsServer ? `, metrics on :${metricsServer.port}/metrics` : ''}${tracing.enabled ? `, traces to ${config.tracing.otlpEndpoint}` : ''})`);

  onStopSignal(log, part.finishing, () => closeAndExit(log, [pipeline.stop, metricsServer?.close, db.close, tracing.shutdown]));
}

/** status-updates calls the API with API_TOKEN, or with a token signed by the embedded key when this machine has it. */
async function callbackToken(config: AppConfig, log: (line: string) => void) {
  if (config.apiToken) return () => config.apiToken!;
  const issuer = await embeddedIssuer(config.auth, config.dataDir, { create: false });
  if (config.apiBaseUrl && !issuer) log('API_TOKEN is not set: status-updates will be refused by an API that checks tokens');
  return issuer?.serviceToken;
}
