import { fileURLToPath } from 'node:url';
import { Worker } from '@temporalio/worker';
import { loadConfig } from '../../src/config.ts';
import { loadDataProtection } from '../../src/data-protection/data-protection.ts';
import { connectWorkerConnection } from '../../src/temporal/connection.ts';
import { createNoopActivities } from './activities.ts';

/**
 * The bare workflow's worker, a process of its own like the saga's worker, configured the same way
 * (Worker.create defaults, same connection settings, same payload codec), so the two differ only in the work their
 * activities do.
 */
const config = loadConfig();
const { dataConverter } = await loadDataProtection({ dataDir: config.dataDir });
const { connection, namespace } = await connectWorkerConnection(config.temporalAddress);
const worker = await Worker.create({
  connection,
  namespace,
  taskQueue: config.taskQueue,
  workflowsPath: fileURLToPath(new URL('./workflows.ts', import.meta.url)),
  activities: createNoopActivities(),
  dataConverter,
  shutdownGraceTime: '15 seconds',
});
console.log(`[bare worker] polling task queue ${config.taskQueue} on ${namespace}`);
try {
  await worker.run(); // resolves after SIGINT/SIGTERM
} finally {
  await connection.close();
  process.exit();
}
