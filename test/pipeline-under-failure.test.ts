import { connect } from '@nats-io/transport-node';
import request from 'supertest';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { natsTopology } from '../src/transport/jetstream/topology.ts';
import { startEventPipeline } from '../src/pipeline/event-pipeline.ts';
import { probeOutboxBacklog } from '../src/relay/pending-events.ts';
import { waitUntil } from './support/direct-trips.ts';
import { type Harness, startHarness } from './support/harness.ts';
import { createOwnDatabase } from './support/own-database.ts';
import { readStream, startOwnNatsServer } from './support/nats.ts';
import { type AppProcess, startAppProcess } from './support/processes.ts';

// The issue's "done when": 200 bookings through real sagas while a relay is killed twice and NATS restarts once.
let h: Harness;
let ownDb: Awaited<ReturnType<typeof createOwnDatabase>>;
let nats: Awaited<ReturnType<typeof startOwnNatsServer>>;
const relays: AppProcess[] = [];
const topology = natsTopology('done');

beforeAll(async () => {
  ownDb = await createOwnDatabase('done');
  h = await startHarness({ databaseUrl: ownDb.url });
  nats = await startOwnNatsServer();
});
afterAll(async () => {
  for (const relay of relays) await relay.kill('SIGKILL');
  await nats?.remove();
  await h?.stop();
  await ownDb?.drop();
});

async function startRelay() {
  const relay = await startAppProcess(
    'src/entrypoints/relay.ts',
    { DATABASE_URL: h.databaseUrl, NATS_URL: nats.url, NATS_SUBJECT_ROOT: topology.root },
    /\[relay\] running/,
  );
  relays.push(relay);
  return relay;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

it('200 bookings, a relay killed twice, NATS restarted once: every event in order on JetStream, applied exactly once', async () => {
  const offers = await h.tripOffers({ flight: 1_000, hotel: 1_000, car: 150 }); // 50 bookings find the car sold out
  probeOutboxBacklog(h.metrics, h.prisma, 'jetstream');
  const consumers = startEventPipeline({
    db: h.db,
    natsUrl: nats.url,
    natsSubjectRoot: topology.root,
    metrics: h.metrics,
    relay: false,
    consumers: true,
  });
  try {
    let relayA = await startRelay();
    const relayB = await startRelay();
    const bookingIds: string[] = [];
    const book = async (count: number) => {
      const ids = await Promise.all(
        Array.from({ length: count }, () => h.book(h.request({ flight: offers.flight.id, hotel: offers.hotel.id, car: offers.car.id }, 1, 1))),
      );
      bookingIds.push(...ids);
    };

    const startedAt = Date.now();
    await book(50);
    await relayA.kill('SIGKILL'); // first kill
    await book(30);
    relayA = await startRelay();
    await book(40);
    await nats.stop(); // the broker goes away while bookings go on
    await book(40);
    await nats.start();
    await relayA.kill('SIGKILL'); // second kill, while the backlog drains
    await book(40);
    await startRelay();
    console.log(`200 bookings accepted in ${Date.now() - startedAt} ms; relay B (pid ${relayB.child.pid}) ran throughout`);

    await waitUntil('every saga to end', async () => (await h.prisma.booking.count({ where: { status: 'PENDING' } })) === 0, 180_000, 500);
    const total = await h.prisma.outboxEvent.count();
    await waitUntil('the outbox to drain', async () => (await h.prisma.outboxEvent.count({ where: { publishedAt: null } })) === 0, 60_000, 250);
    await waitUntil('both consumers to settle every event', async () =>
      (await h.prisma.consumerInboxEvent.count({ where: { consumer: 'trip-summaries' } })) === total &&
      (await h.prisma.consumerInboxEvent.count({ where: { consumer: 'notifier' } })) === total,
    60_000, 250);
    console.log(`all ${total} events applied ${Date.now() - startedAt} ms after the first booking`);

    // Every committed event reached JetStream, each booking's in commit order (first occurrences; the broker's
    // duplicate window dropped re-sends).
    const nc = await connect({ servers: nats.url });
    const stream = await readStream(nc, topology.eventsStream);
    await nc.close();
    const events = await h.prisma.outboxEvent.findMany({ orderBy: [{ aggregateId: 'asc' }, { sequence: 'asc' }] });
    expect(new Set(stream.map((m) => m.event.id))).toEqual(new Set(events.map((e) => e.id)));
    const firstSeen = new Map<string, number[]>();
    const seen = new Set<string>();
    for (const { event } of stream) {
      if (seen.has(event.id)) continue;
      seen.add(event.id);
      firstSeen.set(event.subject, [...(firstSeen.get(event.subject) ?? []), event.bookingsequence]);
    }
    for (const bookingId of bookingIds) {
      const count = events.filter((e) => e.aggregateId === bookingId).length;
      expect(firstSeen.get(bookingId)).toEqual(Array.from({ length: count }, (_, i) => i + 1));
    }
    console.log(`stream: ${stream.length} messages for ${events.length} events`);

    // The read model: one row per trip, CONFIRMED exactly where the booking is; nothing applied twice.
    const statuses = await h.prisma.booking.groupBy({ by: ['status'], _count: true });
    const confirmed = await h.prisma.booking.findMany({ where: { status: 'CONFIRMED' }, select: { id: true } });
    console.log(`bookings by status: ${statuses.map((s) => `${s.status} ${s._count}`).join(', ')}`);
    expect(confirmed.length).toBe(150);
    expect(await h.prisma.tripSummary.count()).toBe(200);
    const summariesConfirmed = await h.prisma.tripSummary.findMany({ where: { status: 'CONFIRMED' }, select: { bookingId: true, totalAmount: true } });
    expect(summariesConfirmed.map((s) => s.bookingId).sort()).toEqual(confirmed.map((b) => b.id).sort());
    expect(summariesConfirmed.every((s) => s.totalAmount === 30_000)).toBe(true);
    expect(await h.prisma.consumerInboxEvent.count({ where: { consumer: 'trip-summaries', outcome: 'dead_lettered' } })).toBe(0);
    expect(await h.prisma.outgoingEmail.count()).toBe(200);
    const [{ duplicateEmails }] = (await h.prisma.$queryRaw<{ duplicateEmails: number }[]>`
      SELECT count(*)::int AS "duplicateEmails" FROM (SELECT booking_id FROM outgoing_emails GROUP BY booking_id HAVING count(*) > 1) d`) as [{ duplicateEmails: number }];
    expect(duplicateEmails).toBe(0);

    const metrics = (await request(h.app).get('/metrics').expect(200)).text;
    expect(metrics).toContain('tripsaga_outbox_backlog_events{transport="jetstream"} 0');
    // Acks sent while the broker was away are lost: those messages come back after the ack wait, and the inbox
    // recognises them. Only then is the broker's side of the consumers' backlog at 0 too.
    await waitUntil('the consumers\' backlog to reach 0', async () => {
      const text = (await request(h.app).get('/metrics').expect(200)).text;
      return text.includes('tripsaga_consumer_backlog_events{consumer="trip-summaries"} 0') && text.includes('tripsaga_consumer_backlog_events{consumer="notifier"} 0');
    }, 30_000, 500);
    const duplicates = (await h.metrics.consumerEvents.get()).values.filter((v) => v.labels.outcome === 'duplicate').reduce((sum, v) => sum + v.value, 0);
    console.log(`redeliveries recognised by the consumers' inboxes: ${duplicates}`);

    const lags = events.map((e) => (e.publishedAt as Date).getTime() - e.occurredAt.getTime()).sort((a, b) => a - b);
    console.log(`commit -> published lag over all ${lags.length} events (outage and kills included): p50 ${percentile(lags, 50)} ms, p95 ${percentile(lags, 95)} ms, max ${lags.at(-1)} ms`);
  } finally {
    await consumers.stop();
  }
}, 300_000);
