// Replays what a Temporal server really ran against the workflow code of this working tree, before you deploy it:
//   TEMPORAL_ADDRESS=127.0.0.1:7233 npm run histories:replay-from-server [-- --limit 100] [-- --query "<visibility query>"]
//
// Connects like the worker does (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TLS: Temporal's environment
// configuration). Exits 0 when every run replays, 1 when any would break (or nothing matched: nothing was checked).
import { parseArgs } from 'node:util';
import { DeterminismViolationError } from '@temporalio/workflow';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { defaultServerQuery, replayRunsFromServer } from '../src/replay/replay-from-server.ts';
import { loadConfig } from '../src/config.ts';
import { loadDataProtection } from '../src/data-protection/data-protection.ts';
import { connectClient } from '../src/temporal/connection.ts';
import { workflowsPath } from '../src/worker/create-worker.ts';

const { values } = parseArgs({
  options: {
    query: { type: 'string', default: defaultServerQuery },
    limit: { type: 'string', default: '100' },
  },
});
const limit = Number(values.limit);
if (!Number.isInteger(limit) || limit < 1) {
  console.error(`--limit must be a positive whole number, got "${values.limit}"`);
  process.exit(1);
}

// A failing replay is reported below, once per run; core's own warning about it would say the same thing again.
Runtime.install({ logger: new DefaultLogger('ERROR'), telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } } });
// The histories arrive encrypted; the replayer decrypts them with the same keys the workers use.
const { dataConverter } = await loadDataProtection({ dataDir: loadConfig().dataDir });
const client = await connectClient(undefined, dataConverter);
try {
  console.log(`Replaying up to ${limit} runs matching \`${values.query}\` on ${client.options.namespace} against ${workflowsPath}`);
  const runs = await replayRunsFromServer(client, { query: values.query, limit, code: { workflowsPath, dataConverter } });
  for (const run of runs) console.log(`  ${run.workflowId}  ${run.status.padEnd(10)}  ${run.error ? `BREAKS  ${reason(run.error)}` : 'ok'}`);
  const broken = runs.filter((run) => run.error).length;
  if (runs.length === 0) {
    console.log('No run matched the query: nothing was checked.');
    process.exitCode = 1;
  } else {
    console.log(broken === 0 ? `All ${runs.length} runs replay with this code.` : `${broken} of ${runs.length} runs would break with this code.`);
    process.exitCode = broken === 0 ? 0 : 1;
  }
} finally {
  await client.connection.close();
}

/** Core's one-line verdict (e.g. "Activity id of scheduled event 'confirm' does not match ... 'charge-payment'"). */
function reason(error: Error): string {
  if (!(error instanceof DeterminismViolationError)) return `${error.name}: ${error.message}`;
  return `nondeterminism: ${error.message.match(/Nondeterminism error: ([^"]+)/)?.[1] ?? error.message}`;
}
