import path from 'node:path';
import { loadConfig } from '../config.ts';
import { createLogger, lineLog } from '../lib/logger.ts';
import { onStopSignal } from '../lib/shutdown.ts';
import { ensureJaeger, startJaeger } from '../trace-viewer/jaeger.ts';

/**
 * `npm run tracing`: Jaeger on this machine, traces in memory, built once into the cache. OTLP/HTTP on
 * 127.0.0.1:4318 (what OTEL_EXPORTER_OTLP_ENDPOINT names), the UI and its API on http://127.0.0.1:16686.
 */
const config = loadConfig();
const log = lineLog(createLogger({ component: 'tracing', level: config.logLevel }));
const jaeger = await startJaeger({
  binary: await ensureJaeger({ log }),
  dir: path.join(config.dataDir, 'jaeger'),
  uiAssets: config.tracing.jaegerUiAssets,
  log,
});
log(`Jaeger: OTLP/HTTP on ${jaeger.otlpEndpoint}, traces at ${jaeger.uiUrl} (in memory: gone when it stops)`);
log(`trace a run: OTEL_EXPORTER_OTLP_ENDPOINT=${jaeger.otlpEndpoint} npm start; each booking's GET /bookings/:id names its trace`);
onStopSignal(log, 'stopping Jaeger', async () => {
  await jaeger.stop();
  process.exit(0);
});
