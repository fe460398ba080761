import { defaultNatsUrl, loadConfig, requireSetting } from '../config.ts';
import { openDatabase } from '../db/open-database.ts';
import { closeAndExit, onStopSignal } from '../lib/shutdown.ts';
import { createPipelineMetrics } from '../metrics/pipeline-metrics.ts';
import { serveMetrics } from '../metrics/serve-metrics.ts';
import { startEventPipeline } from './event-pipeline.ts';

/**
 * A process that runs one part of the event pipeline against a PostgreSQL server and NATS (`npm run relay`, `npm run
 * consumers`): configuration, database, metrics, health and readiness endpoint (METRICS_PORT), and a graceful stop on SIGINT/SIGTERM.
 */
export async function runPipelineProcess(part: { name: 'relay' | 'consumers'; needsDatabaseFor: string; finishing: string }) {
  const log = (line: string) => console.log(`[${part.name}] ${line}`);
  const config = loadConfig();
  const databaseUrl = requireSetting(config.databaseUrl, 'DATABASE_URL', `${part.needsDatabaseFor} (npm start embeds one)`);
  const natsUrl = config.natsUrl ?? defaultNatsUrl;

  const db = await openDatabase({ databaseUrl, dataDir: config.dataDir, migrate: config.migrateOnStart, log });
  const metrics = createPipelineMetrics();
  const pipeline = startEventPipeline({
    db,
    natsUrl,
    natsSubjectRoot: config.natsSubjectRoot,
    natsStreamReplicas: config.natsStreamReplicas,
    metrics,
    relay: part.name === 'relay',
    consumers: part.name === 'consumers',
    apiBaseUrl: config.apiBaseUrl,
    log,
  });
  const metricsServer = config.metricsPort === undefined ? undefined : await serveMetrics(metrics.registry, config.metricsPort, { readiness: { database: db.ping, nats: pipeline.checkBroker } });
  log(`running (NATS JetStream at ${natsUrl}${metricsServer ? `, metrics on :${metricsServer.port}/metrics` : ''})`);

  onStopSignal(log, part.finishing, () => closeAndExit(log, [pipeline.stop, metricsServer?.close, db.close]));
}
