// `npm run pipeline -- status`: the outbox backlog and, per consumer, its lag in events and seconds, the oldest
// event it has not applied, its dead letters, and whether it is caught up, slow or stuck (DATABASE_URL, NATS_URL).
import { jetstreamManager } from '@nats-io/jetstream';
import { defaultNatsUrl, loadConfig, requireSetting } from '../config.ts';
import { openDatabase } from '../db/open-database.ts';
import { formatPipelineStatus, readPipelineStatus } from '../operations/pipeline-status.ts';
import { connectNats } from '../transport/jetstream/connection.ts';
import { natsTopology } from '../transport/jetstream/topology.ts';

const [command, ...rest] = process.argv.slice(2);
if (command !== 'status') {
  console.error('usage: npm run pipeline -- status [--json]');
  process.exit(2);
}
const config = loadConfig();
const databaseUrl = requireSetting(config.databaseUrl, 'DATABASE_URL', 'the outbox and the inboxes are in PostgreSQL');
const db = await openDatabase({ databaseUrl, dataDir: config.dataDir, migrate: false });
const nc = await connectNats(config.natsUrl ?? defaultNatsUrl, { name: 'tripsaga-status', signal: AbortSignal.timeout(10_000) });
try {
  if (!nc) throw new Error(`NATS at ${config.natsUrl ?? defaultNatsUrl} did not answer in 10 s`);
  const status = await readPipelineStatus(db.prisma, await jetstreamManager(nc), natsTopology(config.natsSubjectRoot));
  console.log(rest.includes('--json') ? JSON.stringify(status, null, 2) : formatPipelineStatus(status).join('\n'));
} finally {
  await nc?.close();
  await db.close();
}
