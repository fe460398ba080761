import { randomUUID } from 'node:crypto';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { applyEvent, EventOutOfOrder, LateEvent, recordDeadLetter } from '../src/consumers/apply-event.ts';
import type { ConsumedEvent } from '../src/consumers/consumed-event.ts';
import type { EventConsumer } from '../src/consumers/event-consumer.ts';
import { isUniqueViolation, PrismaClient } from '../src/db/prisma.ts';
import { EventType } from '../src/events/event-types.ts';
import { untilSomeoneWaitsOnALock } from './support/lock-waits.ts';
import { recordingPool } from './support/recording-pool.ts';

// applyEvent against the run's PostgreSQL, through a pool that records every statement the consumer sends (BEGIN and
// COMMIT included, which Prisma's query log does not all show). Each test has a consumer name of its own.

const statements: string[] = [];
let pool: pg.Pool;
let prisma: PrismaClient;
let other: pg.Client; // a second session: the concurrent delivery of another consumer process

beforeAll(async () => {
  pool = recordingPool(inject('databaseUrl'), statements);
  prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  other = new pg.Client({ connectionString: inject('databaseUrl') });
  await other.connect();
});
afterAll(async () => {
  await other?.end();
  await prisma?.$disconnect();
  await pool?.end();
});

let consumerName: string;
let bookingId: string;
let handled: string[];
let loads: string[];
beforeEach(() => {
  consumerName = `apply-event-test-${randomUUID().slice(0, 8)}`;
  bookingId = `bk_${randomUUID()}`;
  handled = [];
  loads = [];
});

/** Handles booking.confirmed (one statement of its own, in the transaction); every other type is skipped. */
function testConsumer(options: { load?: boolean; failWith?: Error } = {}): EventConsumer {
  return {
    name: consumerName,
    handlers: {
      [EventType.bookingConfirmed]: async (tx, event) => {
        await tx.$executeRaw`SELECT 'handler'`;
        if (options.failWith) throw options.failWith;
        handled.push(event.id);
      },
    },
    ...(options.load ? { load: async (event: ConsumedEvent) => void loads.push(event.id) } : {}),
  };
}

function event(sequence: number, type: string = EventType.bookingRequested, id: string = randomUUID()): ConsumedEvent {
  // applyEvent reads only the envelope fields; the handlers above do not read data.
  return { id, type, bookingId, sequence, occurredAt: new Date(), data: {}, writtenVersion: 1 } as unknown as ConsumedEvent;
}
const confirmed = (sequence: number, id?: string) => event(sequence, EventType.bookingConfirmed, id);

async function statementsOf<T>(work: () => Promise<T>): Promise<{ result: T; sent: string[] }> {
  statements.length = 0;
  const result = await work();
  return { result, sent: [...statements] };
}

const inbox = () => prisma.consumerInboxEvent.findMany({ where: { consumer: consumerName }, orderBy: { sequence: 'asc' } });
const claim = /^INSERT INTO consumer_inbox .* WHERE coalesce\(\(SELECT max\(sequence\)/;
const position = /^SELECT EXISTS \(SELECT 1 FROM consumer_inbox/;

describe('applyEvent: statements per event', () => {
  it('settles an event without a handler in one statement, outside any transaction', async () => {
    const { result, sent } = await statementsOf(() => applyEvent(prisma, testConsumer(), event(1)));
    expect(result).toBe('skipped');
    expect(sent).toEqual([expect.stringMatching(claim)]);
    expect((await inbox()).map((r) => [r.sequence, r.outcome, r.type])).toEqual([[1, 'skipped', EventType.bookingRequested]]);
  });

  it('applies a handled event in one transaction: the claim, the handler, nothing else', async () => {
    await applyEvent(prisma, testConsumer(), event(1));
    const e = confirmed(2);
    const { result, sent } = await statementsOf(() => applyEvent(prisma, testConsumer(), e));
    expect(result).toBe('applied');
    expect(sent).toEqual(['BEGIN', expect.stringMatching(claim), "SELECT 'handler'", 'COMMIT']);
    expect(handled).toEqual([e.id]);
    expect((await inbox()).map((r) => [r.sequence, r.outcome])).toEqual([[1, 'skipped'], [2, 'applied']]);
  });

  it('checks once, with one statement, before a load step; a settled event is not loaded again', async () => {
    const e = confirmed(1);
    const first = await statementsOf(() => applyEvent(prisma, testConsumer({ load: true }), e));
    expect(first.result).toBe('applied');
    expect(first.sent).toEqual([expect.stringMatching(position), 'BEGIN', expect.stringMatching(claim), "SELECT 'handler'", 'COMMIT']);
    const again = await statementsOf(() => applyEvent(prisma, testConsumer({ load: true }), e));
    expect(again).toEqual({ result: 'duplicate', sent: [expect.stringMatching(position)] });
    expect(loads).toEqual([e.id]);
  });
});

describe('applyEvent: order and redelivery', () => {
  for (const kind of ['skipped', 'handled'] as const) {
    const make = (sequence: number, id?: string) => (kind === 'skipped' ? event(sequence, EventType.bookingRequested, id) : confirmed(sequence, id));

    it(`${kind}: a redelivered event is a duplicate and changes nothing`, async () => {
      await applyEvent(prisma, testConsumer(), event(1));
      const e = make(2);
      await applyEvent(prisma, testConsumer(), e);
      const before = await inbox();
      expect(await applyEvent(prisma, testConsumer(), e)).toBe('duplicate');
      expect(await inbox()).toEqual(before);
      expect(handled.length).toBe(kind === 'handled' ? 1 : 0);
    });

    it(`${kind}: an event ahead of the booking's next one waits, and nothing is written`, async () => {
      await applyEvent(prisma, testConsumer(), event(1));
      const error = await applyEvent(prisma, testConsumer(), make(3)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(EventOutOfOrder);
      expect(error).toMatchObject({ bookingId, expected: 2, got: 3 });
      expect((await inbox()).map((r) => r.sequence)).toEqual([1]);
      expect(handled).toEqual([]);
      // Once the event before it is settled, it applies.
      await applyEvent(prisma, testConsumer(), event(2));
      expect(await applyEvent(prisma, testConsumer(), make(3))).toBe(kind === 'skipped' ? 'skipped' : 'applied');
    });

    it(`${kind}: an event older than those settled is late, and a dead letter keeps its place in the sequence`, async () => {
      await applyEvent(prisma, testConsumer(), event(1));
      const gaveUpOn = make(2);
      await recordDeadLetter(prisma, testConsumer(), { id: gaveUpOn.id, type: gaveUpOn.type, subject: bookingId, bookingsequence: 2, time: new Date().toISOString() }, 'test');
      expect(await applyEvent(prisma, testConsumer(), make(3))).toBe(kind === 'skipped' ? 'skipped' : 'applied');
      // The dead-lettered event itself is settled; another event numbered 2 can never apply.
      expect(await applyEvent(prisma, testConsumer(), gaveUpOn)).toBe('duplicate');
      await expect(applyEvent(prisma, testConsumer(), make(2))).rejects.toBeInstanceOf(LateEvent);
      expect((await inbox()).map((r) => [r.sequence, r.outcome])).toEqual([[1, 'skipped'], [2, 'dead_lettered'], [3, kind === 'skipped' ? 'skipped' : 'applied']]);
    });
  }

  it('a load step is not run for an event that cannot apply yet', async () => {
    await expect(applyEvent(prisma, testConsumer({ load: true }), confirmed(2))).rejects.toBeInstanceOf(EventOutOfOrder);
    expect(loads).toEqual([]);
  });

  it('a failing handler leaves no inbox row: the event applies on a later attempt', async () => {
    const e = confirmed(1);
    await expect(applyEvent(prisma, testConsumer({ failWith: new Error('handler failed') }), e)).rejects.toThrow('handler failed');
    expect(await inbox()).toEqual([]);
    expect(await applyEvent(prisma, testConsumer(), e)).toBe('applied');
  });
});

describe('applyEvent: a concurrent delivery in another session', () => {
  const insertRow = (id: string, sequence: number) =>
    other.query(`INSERT INTO consumer_inbox (consumer, event_id, booking_id, sequence, type, outcome) VALUES ($1, $2, $3, $4, 'x', 'applied')`, [
      consumerName,
      id,
      bookingId,
      sequence,
    ]);

  /** `other` claims a place and holds it uncommitted until applyEvent's claim waits on it, then ends with `ending`. */
  async function racing(otherId: string, e: ConsumedEvent, ending: 'COMMIT' | 'ROLLBACK') {
    await other.query('BEGIN');
    try {
      await insertRow(otherId, e.sequence);
      const applying = applyEvent(prisma, testConsumer(), e);
      await untilSomeoneWaitsOnALock(other);
      await other.query(ending);
      return await applying;
    } catch (error) {
      await other.query('ROLLBACK');
      throw error;
    }
  }

  for (const [kind, make] of [['skipped', event], ['handled', confirmed]] as const) {
    it(`${kind}: the same event committed meanwhile is a duplicate (unique event id)`, async () => {
      const e = make(1);
      expect(await racing(e.id, e, 'COMMIT')).toBe('duplicate');
      expect(handled).toEqual([]);
      expect((await inbox()).map((r) => r.outcome)).toEqual(['applied']);
    });

    it(`${kind}: another event taking the same place meanwhile wins it (unique booking sequence)`, async () => {
      expect(await racing(randomUUID(), make(1), 'COMMIT')).toBe('duplicate');
      expect(handled).toEqual([]);
    });

    it(`${kind}: a concurrent claim rolled back leaves the place to this one`, async () => {
      const e = make(1);
      expect(await racing(e.id, e, 'ROLLBACK')).toBe(kind === 'skipped' ? 'skipped' : 'applied');
      expect(handled).toEqual(kind === 'skipped' ? [] : [e.id]);
    });
  }

  it('isUniqueViolation recognises a unique violation from raw SQL (P2010) as well as from a model query (P2002)', async () => {
    const id = randomUUID();
    await insertRow(id, 1);
    const error = await prisma.$executeRaw`
      INSERT INTO consumer_inbox (consumer, event_id, booking_id, sequence, type, outcome)
      VALUES (${consumerName}, ${id}::uuid, ${bookingId}, 1, 'x', 'applied')`.catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'P2010' });
    expect(isUniqueViolation(error)).toBe(true);
    const modelError = await prisma.consumerInboxEvent
      .create({ data: { consumer: consumerName, eventId: id, bookingId, sequence: 1, type: 'x', outcome: 'applied' } })
      .catch((e: unknown) => e);
    expect(modelError).toMatchObject({ code: 'P2002' });
    expect(isUniqueViolation(modelError)).toBe(true);
    expect(isUniqueViolation(new Error('duplicate key value violates unique constraint'))).toBe(false);
  });
});
