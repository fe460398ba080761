import { serve } from '../api/serve.ts';
import { loadConfig, requireSetting } from '../config.ts';
import { loadDataProtection } from '../data-protection/data-protection.ts';
import { openDatabase } from '../db/open-database.ts';
import { closeAndExit, onStopSignal } from '../lib/shutdown.ts';
import { createPipelineMetrics } from '../metrics/pipeline-metrics.ts';
import { probeOutboxBacklog } from '../relay/pending-events.ts';
import { createServices } from '../services.ts';
import { connectClient } from '../temporal/connection.ts';

/** `npm run api`: the HTTP API alone, for deployments with a real PostgreSQL and Temporal cluster. */
const log = (line: string) => console.log(`[api] ${line}`);
const config = loadConfig();
const databaseUrl = requireSetting(config.databaseUrl, 'DATABASE_URL', 'the API needs a PostgreSQL server (npm start embeds one)');

const protection = await loadDataProtection({ dataDir: config.dataDir });
const db = await openDatabase({ databaseUrl, dataDir: config.dataDir, migrate: config.migrateOnStart, log });
const temporal = await connectClient(config.temporalAddress, protection.dataConverter);
const metrics = createPipelineMetrics();
// The relay runs elsewhere; the outbox backlog is in the database, so the API reports it too.
probeOutboxBacklog(metrics, db.prisma);
const { app } = createServices(config, db, temporal, protection, log, metrics);
const server = await serve(app, config.port);
log(`listening on http://localhost:${server.port}`);

onStopSignal(log, 'finishing in-flight requests', () => closeAndExit(log, [server.close, () => temporal.connection.close(), db.close]));
