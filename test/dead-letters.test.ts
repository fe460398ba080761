import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { AckPolicy, jetstreamManager } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tripSummariesConsumer } from '../src/consumers/trip-summaries/trip-summaries.ts';
import { runDeadLettersCommand } from '../src/operations/dead-letters-command.ts';
import { formatPipelineStatus, readPipelineStatus } from '../src/operations/pipeline-status.ts';
import { directTrip, roomyOffers, waitUntil } from './support/direct-trips.ts';
import { confirmedTripEvents } from './support/expected-events.ts';
import { type Harness, startHarness } from './support/harness.ts';
import { createOwnDatabase } from './support/own-database.ts';
import { uniqueTopology } from './support/nats.ts';
import { startTestPipeline, type TestPipeline } from './support/pipeline.ts';

// A poisoned read model: trip_summaries refuses every insert until the cause is "fixed" (the trigger dropped).
const topology = uniqueTopology();
let h: Harness;
let ownDb: Awaited<ReturnType<typeof createOwnDatabase>>;
let pipeline: TestPipeline;

beforeAll(async () => {
  ownDb = await createOwnDatabase('dead_letters');
  h = await startHarness({ worker: false, databaseUrl: ownDb.url });
  pipeline = await startTestPipeline(h, {
    topology,
    relay: true,
    consumers: [tripSummariesConsumer],
    runnerOptions: { maxAttempts: 2, retryDelayMs: 50, orderWaitMs: 100 },
  });
});
afterAll(async () => {
  await pipeline?.stop();
  await h?.stop();
  await ownDb?.drop();
});

async function cli(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runDeadLettersCommand(args, h.prisma, [tripSummariesConsumer], { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const inboxOf = (bookingId: string) =>
  h.prisma.consumerInboxEvent.findMany({ where: { consumer: 'trip-summaries', bookingId }, orderBy: { sequence: 'asc' } });

describe('dead letters', () => {
  it('are replayed once their cause is fixed: applied exactly once, in their booking\'s order', async () => {
    await h.prisma.$executeRawUnsafe(`CREATE FUNCTION refuse_summaries() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'trip_summaries is refusing inserts'; END $$`);
    await h.prisma.$executeRawUnsafe('CREATE TRIGGER refuse_summaries BEFORE INSERT ON trip_summaries FOR EACH ROW EXECUTE FUNCTION refuse_summaries()');
    const trip = await directTrip(h, await roomyOffers(h), 'confirmed');

    // booking.requested fails, is dead-lettered; every later event of the booking is held behind it, unapplied.
    const held = await waitUntil('the booking\'s events to be dead-lettered or held', async () => {
      const rows = await inboxOf(trip.bookingId);
      return rows.length === confirmedTripEvents.length && rows;
    });
    expect(held.map((r) => r.outcome)).toEqual(['dead_lettered', ...confirmedTripEvents.slice(1).map(() => 'held')]);
    expect(held[0]!.reason).toMatch(/failed 2 times, last: .*trip_summaries is refusing inserts/s);
    expect(await h.prisma.tripSummary.count()).toBe(0);
    const deadLetter = held[0]!;

    // Seen from outside: the gauges, and `npm run pipeline -- status` (a consumer nobody runs is stuck on the first event).
    const gauge = async (name: string) => (await h.metrics.registry.getSingleMetric(name)!.get()).values.find((v) => v.labels.consumer === 'trip-summaries')?.value;
    expect(await gauge('tripsaga_consumer_dead_letters')).toBe(1);
    expect(await gauge('tripsaga_consumer_held_events')).toBe(confirmedTripEvents.length - 1);
    await waitUntil('the broker to have every ack', async () => (await gauge('tripsaga_consumer_backlog_events')) === 0);
    const jsm = await jetstreamManager(pipeline.nc);
    await jsm.consumers.add(topology.eventsStream, { durable_name: 'idle', ack_policy: AckPolicy.Explicit, filter_subject: topology.eventsSubjects });
    const status = await readPipelineStatus(h.prisma, jsm, topology, { stuckAfterSeconds: 0, now: new Date(Date.now() + 1_000) });
    expect(status.consumers.map((c) => [c.consumer, c.verdict, c.events, c.deadLetters, c.held])).toEqual([
      ['idle', 'stuck', confirmedTripEvents.length + trip.walletEvents, 0, 0],
      ['trip-summaries', 'dead letters', 0, 1, confirmedTripEvents.length - 1],
    ]);
    expect(status.consumers[0]!.oldest).toMatchObject({ eventId: deadLetter.eventId, type: 'com.tripsaga.booking.requested', bookingId: trip.bookingId });
    expect(status.consumers[0]!.oldestAgeSeconds).toBeGreaterThan(0);
    expect(formatPipelineStatus(status).join('\n')).toContain(`oldest unapplied: com.tripsaga.booking.requested ${deadLetter.eventId}`);

    const listed = await cli('list');
    expect(listed.out).toContain(`${deadLetter.eventId}  trip-summaries  com.tripsaga.booking.requested  booking ${trip.bookingId} #1`);
    expect(listed.out).toContain(`held behind it: ${confirmedTripEvents.length - 1}`);
    expect((await cli('show', deadLetter.eventId)).out).toContain('"bookingsequence": 1');

    // A replay before the fix fails again and changes nothing but the reason.
    const tooEarly = await cli('replay', deadLetter.eventId, '--consumer', 'trip-summaries');
    expect(tooEarly.code).toBe(1);
    expect(tooEarly.err).toContain('dead-lettered again: replay failed');
    expect((await inboxOf(trip.bookingId)).map((r) => r.outcome)).toEqual(held.map((r) => r.outcome));

    // Held events are not dead letters: refused, naming the one to replay.
    const heldOne = await cli('replay', held[3]!.eventId, '--consumer', 'trip-summaries');
    expect(heldOne).toMatchObject({ code: 2 });
    expect(heldOne.err).toContain(`refused: event ${held[3]!.eventId} is not dead-lettered by trip-summaries: it is held behind dead letter ${deadLetter.eventId}`);

    await h.prisma.$executeRawUnsafe('DROP TRIGGER refuse_summaries ON trip_summaries');
    const replay = await cli('replay', deadLetter.eventId, '--consumer', 'trip-summaries');
    expect(replay.err).toBe('');
    expect(replay.code).toBe(0);
    const lines = replay.out.split('\n');
    expect(lines.map((l) => Number(/#(\d+)/.exec(l)![1]))).toEqual(confirmedTripEvents.map((_, i) => i + 1));

    const after = await inboxOf(trip.bookingId);
    expect(after.every((r) => (r.outcome === 'applied' || r.outcome === 'skipped') && r.envelope === null && r.reason === null)).toBe(true);
    const summary = await h.prisma.tripSummary.findUniqueOrThrow({ where: { bookingId: trip.bookingId } });
    expect(summary).toMatchObject({ status: 'CONFIRMED', paymentStatus: 'CHARGED' });
    expect(Object.values(summary.legs as Record<string, { status: string }>).map((l) => l.status)).toEqual(['RESERVED', 'RESERVED', 'RESERVED']);

    // Exactly once: a second replay is refused, and says what became of the event.
    const again = await cli('replay', deadLetter.eventId, '--consumer', 'trip-summaries');
    expect(again.code).toBe(2);
    expect(again.err).toMatch(new RegExp(`refused: event ${deadLetter.eventId} is not dead-lettered by trip-summaries: it was applied at .*; nothing to replay`));
    expect((await cli('list')).out).toBe('no dead letters');
    expect((await cli('replay', '--all', '--consumer', 'trip-summaries')).out).toBe('no dead letters to replay');
    expect((await cli('replay', '--all', '--consumer', 'nobody')).err).toBe('refused: --consumer must name one of: trip-summaries (got "nobody")');
  });

  it('npm run dead-letters refuses an event that is not dead-lettered, with a clear message and exit code 2', async () => {
    const unknown = '00000000-0000-4000-8000-000000000000';
    const run = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/entrypoints/dead-letters.ts', 'replay', unknown, '--consumer', 'trip-summaries'], {
      env: { ...process.env, DATABASE_URL: ownDb.url },
    }).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`refused: event ${unknown} is not dead-lettered by trip-summaries: the consumer has no record of it`);
  });
});
