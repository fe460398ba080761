import { randomUUID } from 'node:crypto';
import { PrismaPg } from '@prisma/adapter-pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrismaClient, type Tx } from '../src/db/prisma.ts';
import { appendToStream } from '../src/event-store/append.ts';
import { loadAggregate } from '../src/event-store/load-aggregate.ts';
import { beforeFirstEvent, type GlobalCheckpoint, readAllEvents } from '../src/event-store/read-all.ts';
import { type RecordedEvent, StreamVersionConflict } from '../src/event-store/types.ts';
import { executeWalletCommand } from '../src/wallet/wallet-commands.ts';
import { type WalletEvent, walletEventCodec, WalletEvents } from '../src/wallet/wallet-events.ts';
import { walletAggregate, walletStreamId } from '../src/wallet/wallet-stream.ts';
import type { WalletSettings } from '../src/wallet/wallet-settings.ts';
import { waitUntil } from './support/direct-trips.ts';
import { createOwnDatabase } from './support/own-database.ts';
import { recordedWalletV1Events } from './support/recorded-events.ts';
import { readStream } from '../src/event-store/read-stream.ts';

// The event store against a real PostgreSQL (a database of this file's own: the global-order reads count every
// event), with real concurrent transactions: each Prisma interactive transaction holds a connection of its own.

let database: Awaited<ReturnType<typeof createOwnDatabase>>;
let prisma: PrismaClient;
beforeAll(async () => {
  database = await createOwnDatabase('event_store');
  prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: database.url, max: 12 }) });
});
afterAll(async () => {
  await prisma?.$disconnect();
  await database?.drop();
});

const settings: WalletSettings = { openingCredit: { amount: 0, currency: 'EUR' }, snapshotEvery: 50 };
const newTraveler = () => `ada+${randomUUID().slice(0, 8)}@example.com`;
const deposited = (traveler: string, amount = 100): WalletEvent => ({ type: WalletEvents.deposited, data: { traveler, amount, currency: 'EUR', idempotencyKey: null } });
const opened = (traveler: string): WalletEvent => ({ type: WalletEvents.opened, data: { traveler, currency: 'EUR', openingCredit: 0 } });

function append(tx: Tx, streamId: string, expectedVersion: number, events: WalletEvent[]) {
  return appendToStream(tx, { streamId, streamType: 'wallet', expectedVersion, events, codec: walletEventCodec, recordedAt: new Date() });
}

/** Resolves when `count` callers have arrived, so that every transaction has read before any of them appends. */
function barrier(count: number) {
  let arrived = 0;
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return () => {
    arrived += 1;
    if (arrived === count) open();
    return opened;
  };
}

async function deposit(traveler: string, amount: number, walletSettings = settings) {
  return prisma.$transaction((tx) => executeWalletCommand(tx, walletSettings, traveler, { type: 'Deposit', amount: { amount, currency: 'EUR' } }, { recordedAt: new Date() }));
}

describe('appending with an expected version', () => {
  it('of writers that read the same version in parallel transactions, exactly one appends; the others get a conflict', async () => {
    const traveler = newTraveler();
    const streamId = walletStreamId(traveler);
    await prisma.$transaction((tx) => append(tx, streamId, 0, [opened(traveler)]));
    const writers = 6;
    const allHaveRead = barrier(writers);
    const outcomes = await Promise.allSettled(
      Array.from({ length: writers }, () =>
        prisma.$transaction(async (tx) => {
          const { version } = await loadAggregate(tx, walletAggregate(settings), streamId);
          await allHaveRead();
          return append(tx, streamId, version, [deposited(traveler)]);
        }),
      ),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const rejections = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason] : []));
    expect(rejections).toHaveLength(writers - 1);
    for (const reason of rejections) expect(reason).toBeInstanceOf(StreamVersionConflict);
    const rows = await prisma.streamEvent.findMany({ where: { streamId }, orderBy: { streamPosition: 'asc' }, select: { streamPosition: true } });
    expect(rows.map((r) => r.streamPosition)).toEqual([1, 2]);
    expect((await prisma.eventStream.findUniqueOrThrow({ where: { streamId } })).version).toBe(2);
  });

  it('of writers racing to create the same stream, exactly one does', async () => {
    const traveler = newTraveler();
    const streamId = walletStreamId(traveler);
    const writers = 4;
    const allHaveRead = barrier(writers);
    const outcomes = await Promise.allSettled(
      Array.from({ length: writers }, async () =>
        prisma.$transaction(async (tx) => {
          await allHaveRead();
          return append(tx, streamId, 0, [opened(traveler)]);
        }),
      ),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    expect(outcomes.filter((o) => o.status === 'rejected' && o.reason instanceof StreamVersionConflict)).toHaveLength(writers - 1);
  });

  it('refuses an expected version the stream has never had, or has passed', async () => {
    const traveler = newTraveler();
    const streamId = walletStreamId(traveler);
    await expect(prisma.$transaction((tx) => append(tx, streamId, 3, [opened(traveler)]))).rejects.toBeInstanceOf(StreamVersionConflict);
    await prisma.$transaction((tx) => append(tx, streamId, 0, [opened(traveler), deposited(traveler)]));
    await expect(prisma.$transaction((tx) => append(tx, streamId, 1, [deposited(traveler)]))).rejects.toBeInstanceOf(StreamVersionConflict);
  });

  it('a command that loses the race re-reads and decides again: parallel deposits all land, in one contiguous stream', async () => {
    const traveler = newTraveler();
    await deposit(traveler, 1);
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => deposit(traveler, 10 + i)));
    expect(results.map((r) => r.version).sort((a, b) => a - b)).toEqual([3, 4, 5, 6, 7, 8, 9, 10]);
    const loaded = await loadAggregate(prisma, walletAggregate(settings), walletStreamId(traveler));
    expect(loaded).toMatchObject({ version: 10, state: { balance: 1 + (10 + 11 + 12 + 13 + 14 + 15 + 16 + 17) } });
  });

  it('keeps events as facts: the table refuses UPDATE and DELETE', async () => {
    const traveler = newTraveler();
    await deposit(traveler, 5);
    await expect(prisma.$executeRaw`UPDATE stream_events SET data = '{}' WHERE stream_id = ${walletStreamId(traveler)}`).rejects.toThrow(/append-only/);
    await expect(prisma.$executeRaw`DELETE FROM stream_events WHERE stream_id = ${walletStreamId(traveler)}`).rejects.toThrow(/append-only/);
  });
});

describe('reading the global order', () => {
  // Transaction ids are the whole server's: any transaction still open on it (another database's included) holds
  // this reader back, so the tests wait for it to catch up instead of expecting it to at once.
  async function readUntil(after: GlobalCheckpoint, enough: (events: RecordedEvent<WalletEvent>[]) => boolean, limit = 10_000) {
    return waitUntil('the global reader to catch up', async () => {
      const page = await readAllEvents(prisma, walletEventCodec, { after, limit });
      return enough(page.events) ? page : undefined;
    }, 60_000);
  }
  const committedEvents = () => prisma.streamEvent.count();

  it('never skips an event whose transaction commits after a later position was committed', async () => {
    const [first, second] = [newTraveler(), newTraveler()];
    const everything = await committedEvents();
    const caughtUp = await readUntil(beforeFirstEvent, (events) => events.length === everything);
    let releaseLate!: () => void;
    const lateMayCommit = new Promise<void>((resolve) => (releaseLate = resolve));
    let lateAppended!: () => void;
    const lateHasAppended = new Promise<void>((resolve) => (lateAppended = resolve));

    // The late transaction takes the lower global position and stays open...
    const late = prisma.$transaction(
      async (tx) => {
        const [event] = await append(tx, walletStreamId(first), 0, [opened(first)]);
        lateAppended();
        await lateMayCommit;
        return event!;
      },
      { timeout: 60_000 },
    );
    await lateHasAppended;
    // ...while another takes a higher one and commits.
    const [early] = await prisma.$transaction((tx) => append(tx, walletStreamId(second), 0, [opened(second)]));

    // A reader keeping "the highest position seen" would read the early event now and skip the late one forever.
    const naive = await prisma.streamEvent.findMany({ where: { globalPosition: { gt: lastPosition(caughtUp.events) } }, select: { globalPosition: true } });
    expect(naive.map((e) => e.globalPosition)).toEqual([early!.globalPosition]);

    // This reader waits: nothing is returned while an older transaction is open.
    const whileOpen = await readAllEvents(prisma, walletEventCodec, { after: caughtUp.checkpoint });
    expect(whileOpen.events).toEqual([]);
    expect(whileOpen.checkpoint).toEqual(caughtUp.checkpoint);

    releaseLate();
    const committedLate = await late;
    expect(committedLate.globalPosition).toBeLessThan(early!.globalPosition);
    const afterCommit = await readUntil(caughtUp.checkpoint, (events) => events.length >= 2);
    expect(afterCommit.events.map((e) => e.id)).toEqual([committedLate.id, early!.id]);
    expect((await readAllEvents(prisma, walletEventCodec, { after: afterCommit.checkpoint })).events).toEqual([]);
  });

  it('pages through every stream in commit order, each stream in its own order', async () => {
    const travelers = [newTraveler(), newTraveler(), newTraveler()];
    await Promise.all(travelers.map(async (traveler) => {
      for (let i = 1; i <= 4; i += 1) await deposit(traveler, i);
    }));
    const everything = await committedEvents();
    await readUntil(beforeFirstEvent, (events) => events.length === everything);
    const seen: { streamId: string; streamPosition: number }[] = [];
    let checkpoint = beforeFirstEvent;
    for (;;) {
      const page = await readAllEvents(prisma, walletEventCodec, { after: checkpoint, limit: 5, streamType: 'wallet' });
      if (page.events.length === 0) break;
      seen.push(...page.events);
      checkpoint = page.checkpoint;
    }
    expect(new Set(seen.map((e) => `${e.streamId}#${e.streamPosition}`)).size).toBe(seen.length);
    for (const traveler of travelers) {
      expect(seen.filter((e) => e.streamId === walletStreamId(traveler)).map((e) => e.streamPosition)).toEqual([1, 2, 3, 4, 5]);
    }
  });
});

function lastPosition(events: { globalPosition: bigint }[]): bigint {
  return events.reduce((max, e) => (e.globalPosition > max ? e.globalPosition : max), 0n);
}

describe('snapshots', () => {
  const every = 10;
  const snapshotting: WalletSettings = { ...settings, snapshotEvery: every };
  const aggregate = walletAggregate(snapshotting);

  it('are taken every N events; the latest snapshot plus the tail folds to what the full replay folds to', async () => {
    const traveler = newTraveler();
    for (let i = 1; i <= 24; i += 1) await deposit(traveler, i * 7, snapshotting); // 25 events with the opening
    const streamId = walletStreamId(traveler);
    const snapshot = await prisma.streamSnapshot.findUniqueOrThrow({ where: { streamId } });
    expect(snapshot.streamPosition).toBe(20);
    const fromSnapshot = await loadAggregate(prisma, aggregate, streamId);
    const fullReplay = await loadAggregate(prisma, aggregate, streamId, { useSnapshot: false });
    expect(fromSnapshot).toMatchObject({ fromSnapshotAt: 20, eventsFolded: 5, version: 25 });
    expect(fullReplay).toMatchObject({ fromSnapshotAt: 0, eventsFolded: 25, version: 25 });
    expect(fromSnapshot.state).toEqual(fullReplay.state);
    expect(fromSnapshot.state.balance).toBe((7 * 24 * 25) / 2);
  });

  it('of an older shape are ignored, never misread, and replaced by the next append', async () => {
    const traveler = newTraveler();
    for (let i = 1; i <= 11; i += 1) await deposit(traveler, 100, snapshotting);
    const streamId = walletStreamId(traveler);
    const truth = await loadAggregate(prisma, aggregate, streamId, { useSnapshot: false });
    // A snapshot as an earlier version of the code could have written it: another shape, and a balance that would be
    // wrong if it were read as today's.
    await prisma.streamSnapshot.update({ where: { streamId }, data: { stateVersion: 0, state: { balanceCents: 999_999, lastPosition: 10 } } });
    const loaded = await loadAggregate(prisma, aggregate, streamId);
    expect(loaded).toMatchObject({ snapshotIgnored: true, fromSnapshotAt: 0, eventsFolded: 12 });
    expect(loaded.state).toEqual(truth.state);

    await deposit(traveler, 1, snapshotting);
    const rewritten = await prisma.streamSnapshot.findUniqueOrThrow({ where: { streamId } });
    expect(rewritten).toMatchObject({ stateVersion: 1, streamPosition: 13 });
    expect(await loadAggregate(prisma, aggregate, streamId)).toMatchObject({ snapshotIgnored: false, fromSnapshotAt: 13, eventsFolded: 0 });
  });

  it('of the current version but not of its shape (a bug, a hand edit) are ignored too', async () => {
    const traveler = newTraveler();
    for (let i = 1; i <= 10; i += 1) await deposit(traveler, 100, snapshotting);
    const streamId = walletStreamId(traveler);
    await prisma.streamSnapshot.update({ where: { streamId }, data: { state: { status: 'open', balance: 'lots' } } });
    const loaded = await loadAggregate(prisma, aggregate, streamId);
    expect(loaded).toMatchObject({ snapshotIgnored: true, version: 11, state: { balance: 1_000 } });
  });
});

describe('stored events keep the version they were written in', () => {
  it('a stream of recorded v1 events is read through the upcasters: the stored rows stay v1, the reader sees v2', async () => {
    const { events } = recordedWalletV1Events();
    const streamId = `wallet-recorded-${randomUUID().slice(0, 8)}@example.com`;
    await prisma.$transaction(async (tx) => {
      await tx.eventStream.create({ data: { streamId, streamType: 'wallet', version: events.length } });
      for (const [index, event] of events.entries()) {
        await tx.$executeRaw`
          INSERT INTO stream_events (id, stream_id, stream_position, type, schema_version, data, recorded_at)
          VALUES (${randomUUID()}::uuid, ${streamId}, ${index + 1}::int, ${event.type}, 1, ${JSON.stringify(event.data)}::jsonb, ${event.time}::timestamptz)`;
      }
    });
    const read = await readStream(prisma, streamId, walletEventCodec);
    expect(read.map((e) => e.writtenVersion)).toEqual([1, 1, 1, 1]);
    expect(read[1]!.data).toEqual({ ...events[1]!.data, idempotencyKey: null });
    const loaded = await loadAggregate(prisma, walletAggregate(settings), streamId);
    expect(loaded).toMatchObject({ version: 4, state: { balance: 1_025_000, traveler: 'mary@example.com' } });
    const stored = await prisma.streamEvent.findMany({ where: { streamId }, select: { schemaVersion: true, data: true }, orderBy: { streamPosition: 'asc' } });
    expect(stored.map((e) => e.schemaVersion)).toEqual([1, 1, 1, 1]);
    expect(stored[1]!.data).not.toHaveProperty('idempotencyKey');
  });
});
