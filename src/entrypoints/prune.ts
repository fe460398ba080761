// `npm run prune [-- --older-than 7d]`: one prune round over the outbox and the inboxes of the PostgreSQL database at
// DATABASE_URL (what it keeps, and why: src/retention/prune.ts). The relay and consumers processes, and `npm start`,
// run it themselves. Settled bookings are forgotten only if the events stream at NATS_URL has an age limit (asked,
// not assumed): without an answer from the broker, this round keeps their last rows.
import { jetstreamManager } from '@nats-io/jetstream';
import { defaultNatsUrl, loadConfig, requireSetting } from '../config.ts';
import { openDatabase } from '../db/open-database.ts';
import { describePrune, forgetBookingsAfterMs, pruneAfterMs, pruneOnce } from '../retention/prune.ts';
import { connectNats } from '../transport/jetstream/connection.ts';
import { natsTopology, streamMaxAgeMs } from '../transport/jetstream/index.ts';

const config = loadConfig();
const args = process.argv.slice(2);
const flag = args.indexOf('--older-than');
const olderThanMs = flag >= 0 ? pruneAfterMs(args[flag + 1], '--older-than') : config.retention.pruneAfterMs;
if (olderThanMs === undefined) {
  console.log('PRUNE_AFTER is off: nothing pruned');
  process.exit(0);
}
const databaseUrl = requireSetting(config.databaseUrl, 'DATABASE_URL', 'the outbox and the inboxes are in PostgreSQL');
const maxAgeMs = await eventsStreamMaxAgeMs(config.natsUrl ?? defaultNatsUrl, natsTopology(config.natsSubjectRoot).eventsStream);
const afterMs = forgetBookingsAfterMs(olderThanMs, maxAgeMs);
const db = await openDatabase({ databaseUrl, dataDir: config.dataDir, migrate: false });
try {
  const forget = afterMs === undefined ? undefined : { afterMs, cancellationWindowMs: config.retention.cancellationWindowMs };
  const report = await pruneOnce(db.prisma, { olderThanMs, forget });
  console.log(`${describePrune(report)} settled more than ${olderThanMs / 1000} s ago`);
  console.log(afterMs === undefined ? 'settled bookings kept: the events stream has no age limit (or NATS did not answer)' : `settled bookings forgotten after ${afterMs / 1000} s`);
} finally {
  await db.close();
}

async function eventsStreamMaxAgeMs(url: string, stream: string): Promise<number | undefined> {
  const abort = AbortSignal.timeout(10_000);
  const nc = await connectNats(url, { name: 'tripsaga-prune', signal: abort, log: (line) => console.log(line) });
  if (!nc) return undefined;
  try {
    return await streamMaxAgeMs(await jetstreamManager(nc), stream);
  } catch (error) {
    console.log(`could not read the age limit of ${stream}: ${(error as Error).message}`);
    return undefined;
  } finally {
    await nc.close();
  }
}
