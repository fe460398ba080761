import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startEventPipeline } from '../src/pipeline/event-pipeline.ts';
import { freePort } from '../src/lib/free-port.ts';
import { directTrip, expectedSequences, roomyOffers, waitUntil } from './support/direct-trips.ts';
import { type Harness, startHarness } from './support/harness.ts';
import { createOwnDatabase } from './support/own-database.ts';
import { readStream, removeTopology, sharedNatsUrl, uniqueTopology } from './support/nats.ts';
import { type AppProcess, startAppProcess } from './support/processes.ts';

// `npm run relay` as a real process, killed with SIGKILL while it publishes, then started again.
const topology = uniqueTopology();
let h: Harness;
let ownDb: Awaited<ReturnType<typeof createOwnDatabase>>;
const relays: AppProcess[] = [];

beforeAll(async () => {
  ownDb = await createOwnDatabase('crash');
  h = await startHarness({ worker: false, databaseUrl: ownDb.url });
});
afterAll(async () => {
  for (const relay of relays) await relay.kill('SIGKILL');
  await removeTopology(sharedNatsUrl, topology);
  await h?.stop();
  await ownDb?.drop();
});

/**
 * Backends of this database waiting for a lock (the server is shared with other runs). Asked outside the blocking
 * transaction: inside one, pg_stat_activity is a snapshot taken at its first read.
 */
const waitingForLocks = () =>
  h.prisma.$queryRaw<{ pid: number }[]>`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`;

async function startRelay(metricsPort: number) {
  const relay = await startAppProcess(
    'src/entrypoints/relay.ts',
    { DATABASE_URL: h.databaseUrl, NATS_URL: sharedNatsUrl, NATS_SUBJECT_ROOT: topology.root, METRICS_PORT: String(metricsPort) },
    /\[relay\] running/,
  );
  relays.push(relay);
  return relay;
}

it('a relay killed mid-batch loses nothing: after a restart every event reaches the read model exactly once, in order', async () => {
  const offers = await roomyOffers(h);
  const consumers = startEventPipeline({
    db: h.db,
    natsUrl: sharedNatsUrl,
    natsSubjectRoot: topology.root,
    metrics: h.metrics,
    relay: false,
    consumers: true,
  });
  try {
    // A backlog first, so that the relay starts on a full batch.
    const trips = [];
    for (let i = 0; i < 6; i += 1) trips.push(...(await Promise.all(Array.from({ length: 10 }, () => directTrip(h, offers)))));
    const backlog = await h.prisma.outboxEvent.count();
    // Park the relay between the broker's acks and marking the rows: the test holds the rows' locks, so the relay's
    // UPDATE waits. That is the worst moment to die: the events are in the stream but not marked published.
    const blocker = new pg.Client({ connectionString: h.databaseUrl });
    blocker.on('error', () => {}); // dropping the database at the end would otherwise crash the run
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query('SELECT position FROM outbox_events FOR UPDATE');
    const first = await startRelay(await freePort());
    await waitUntil('the relay to wait on marking its batch', async () => (await waitingForLocks()).length > 0, 30_000);
    const nc = await connect({ servers: sharedNatsUrl });
    const inStreamAtKill = (await jetstreamManager(nc).then((jsm) => jsm.streams.info(topology.eventsStream))).state.messages;
    await first.kill('SIGKILL');
    // A backend blocked on a lock does not notice its client died; end it, as the server would on its next write.
    for (const { pid } of await waitingForLocks()) await blocker.query('SELECT pg_terminate_backend($1)', [pid]);
    await blocker.query('ROLLBACK');
    await blocker.end();
    const markedAtKill = await h.prisma.outboxEvent.count({ where: { publishedAt: { not: null } } });
    console.log(`relay killed mid-batch: ${inStreamAtKill} event(s) in the stream, ${markedAtKill} of ${backlog} marked published`);
    expect(inStreamAtKill).toBeGreaterThan(0);
    expect(markedAtKill).toBe(0);

    const metricsPort = await freePort();
    await startRelay(metricsPort);
    trips.push(...(await Promise.all(Array.from({ length: 10 }, () => directTrip(h, offers)))));
    const total = await h.prisma.outboxEvent.count();
    await waitUntil('the outbox to drain', async () => (await h.prisma.outboxEvent.count({ where: { publishedAt: null } })) === 0, 30_000);
    await waitUntil('the read model to settle every event', async () => (await h.prisma.consumerInboxEvent.count({ where: { consumer: 'trip-summaries' } })) === total, 30_000);

    const scraped = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    const duplicates = Number(/tripsaga_relay_duplicate_acks_total\{transport="jetstream"\} (\d+)/.exec(scraped)?.[1]);
    console.log(`restarted relay: ${duplicates} re-sent event(s) dropped by the broker as duplicates`);
    expect(duplicates).toBe(inStreamAtKill);

    const stream = await readStream(nc, topology.eventsStream);
    await nc.close();
    expect(new Set(stream.map((m) => m.event.id)).size).toBe(total);
    for (const trip of trips) {
      const firstSeen = [...new Map(stream.filter((m) => m.event.subject === trip.bookingId).map((m) => [m.event.id, m.event.bookingsequence])).values()];
      expect(firstSeen).toEqual(await expectedSequences(h, trip.bookingId));
    }
    // Exactly once: one inbox row per event, one summary per trip, one email per confirmation.
    const applied = await h.prisma.consumerInboxEvent.groupBy({ by: ['eventId'], where: { consumer: 'trip-summaries' }, _count: true });
    expect(applied.every((row) => row._count === 1)).toBe(true);
    expect(await h.prisma.tripSummary.count({ where: { status: 'CONFIRMED' } })).toBe(trips.length);
    expect(await h.prisma.outgoingEmail.count()).toBe(trips.length);
  } finally {
    await consumers.stop();
  }
}, 120_000);
