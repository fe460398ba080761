import { connect } from '@nats-io/transport-node';
import { embeddedIssuer } from '../../src/auth/embedded-issuer.ts';
import { loadConfig, requireSetting } from '../../src/config.ts';
import { readConsumedEvent } from '../../src/consumers/consumed-event.ts';
import { handlerFor } from '../../src/consumers/event-consumer.ts';
import { openDatabase } from '../../src/db/open-database.ts';
import { transactionOptions } from '../../src/db/prisma.ts';
import { readOrdering } from '../../src/events/index.ts';
import { defaultConsumers } from '../../src/pipeline/event-pipeline.ts';
import { natsTopology } from '../../src/transport/jetstream/topology.ts';

/**
 * THE ANTI-PATTERN's consumers, bench-only: the same three consumers' handlers (trip summaries, notifier, wallet
 * statements, status-updates with its call back to the API), fed by a plain NATS subscription, each effect applied
 * in a transaction of its own with no inbox. A redelivered or replayed event is applied again (a second email, a
 * second statement line); an event sent while this process is down is never seen; a handler that throws loses it.
 * Events are applied in arrival order per booking (one chain per subject in memory), as careful naive code does.
 */
const config = loadConfig();
const log = (line: string) => console.log(`[naive consumers] ${line}`);
const db = await openDatabase({ databaseUrl: requireSetting(config.databaseUrl, 'DATABASE_URL', 'the consumers write to PostgreSQL'), dataDir: '', migrate: false });
const issuer = await embeddedIssuer(config.auth, config.dataDir, { create: false });
const consumers = defaultConsumers({ apiBaseUrl: config.apiBaseUrl, apiToken: issuer?.serviceToken, log });
const nc = await connect({ servers: requireSetting(config.natsUrl, 'NATS_URL', 'the consumers read from NATS') });
const topology = natsTopology(config.natsSubjectRoot);
const lanes = new Map<string, Promise<void>>();
let applied = 0;
let dropped = 0;

async function applyOnce(body: unknown) {
  const event = readConsumedEvent(readOrdering(body));
  if ('unknownType' in event) return;
  for (const consumer of consumers) {
    const handler = handlerFor(consumer, event.type);
    if (!handler) continue;
    try {
      const loaded = consumer.load ? await consumer.load(event) : undefined;
      await db.prisma.$transaction((tx) => handler(tx, event, loaded), transactionOptions);
      applied += 1;
    } catch (error) {
      dropped += 1;
      if (dropped <= 5) log(`${consumer.name} dropped ${event.type} of ${event.bookingId}: ${(error as Error).message}`);
    }
  }
}

const subscription = nc.subscribe(topology.eventsSubjects, {
  callback: (error, msg) => {
    if (error) return log(`subscription: ${error.message}`);
    const body = msg.json<{ subject?: string }>();
    const lane = body.subject ?? '';
    const next = (lanes.get(lane) ?? Promise.resolve()).then(() => applyOnce(body)).catch((e: Error) => void log(`undecodable event: ${e.message}`));
    lanes.set(lane, next);
    void next.then(() => {
      if (lanes.get(lane) === next) lanes.delete(lane);
    });
  },
});
await nc.flush();
log(`"msg":"running" on ${topology.eventsSubjects}: ${consumers.map((c) => c.name).join(', ')}`);

const stop = async () => {
  subscription.unsubscribe();
  await Promise.allSettled([...lanes.values()]);
  log(`applied ${applied} effects, dropped ${dropped}`);
  await Promise.allSettled([nc.close(), db.close()]);
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());
