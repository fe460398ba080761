import { randomUUID } from 'node:crypto';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it, inject } from 'vitest';
import { isUniqueViolation, PrismaClient } from '../src/db/prisma.ts';
import { appendOutboxEvent, appendOutboxEvents } from '../src/outbox/append-event.ts';
import { EventType } from '../src/events/event-types.ts';
import { untilSomeoneWaitsOnALock } from './support/lock-waits.ts';
import { recordingPool } from './support/recording-pool.ts';

// The outbox writer against the run's PostgreSQL, through a pool that records every statement sent (BEGIN and COMMIT
// included), so the round trips a step pays for its events are counted, not assumed.

const statements: string[] = [];
let pool: pg.Pool;
let prisma: PrismaClient;

beforeAll(() => {
  pool = recordingPool(inject('databaseUrl'), statements);
  prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
});
afterAll(async () => {
  await prisma?.$disconnect();
  await pool?.end();
});

let bookingId: string;
beforeEach(() => {
  bookingId = `bk_${randomUUID()}`;
});

const statusChanged = (id: string) => ({ bookingId: id, type: EventType.bookingStatusChanged, data: { bookingId: id }, occurredAt: new Date() }) as const;

async function rowsOf(id: string) {
  return prisma.outboxEvent.findMany({ where: { aggregateId: id }, orderBy: { position: 'asc' }, select: { sequence: true, type: true, schemaVersion: true } });
}

describe('appending outbox events', () => {
  it("numbers a booking's events on from its last one, in the order given, with one statement per call", async () => {
    await prisma.$transaction(async (tx) => appendOutboxEvent(tx, statusChanged(bookingId)));
    statements.length = 0;
    await prisma.$transaction(async (tx) =>
      appendOutboxEvents(tx, [
        {
          bookingId,
          type: EventType.paymentCharged,
          data: { bookingId, paymentId: randomUUID(), amount: 12_900, currency: 'EUR', providerChargeId: 'ch_1' },
          occurredAt: new Date(),
        },
        statusChanged(bookingId),
      ]),
    );
    expect(statements.filter((s) => !/^(BEGIN|COMMIT)/i.test(s))).toHaveLength(1);
    expect(await rowsOf(bookingId)).toEqual([
      { sequence: 1, type: EventType.bookingStatusChanged, schemaVersion: expect.any(Number) },
      { sequence: 2, type: EventType.paymentCharged, schemaVersion: expect.any(Number) },
      { sequence: 3, type: EventType.bookingStatusChanged, schemaVersion: expect.any(Number) },
    ]);
  });

  it('writes nothing when one event breaks its contract, and refuses events of two bookings in one call', async () => {
    const broken = { bookingId, type: EventType.bookingStatusChanged, data: {}, occurredAt: new Date() } as never;
    await expect(prisma.$transaction(async (tx) => appendOutboxEvents(tx, [statusChanged(bookingId), broken]))).rejects.toThrow(/bookingId/);
    const other = `bk_${randomUUID()}`;
    await expect(prisma.$transaction(async (tx) => appendOutboxEvents(tx, [statusChanged(bookingId), statusChanged(other)]))).rejects.toThrow(/one booking/);
    expect(await rowsOf(bookingId)).toEqual([]);
    expect(await rowsOf(other)).toEqual([]);
  });

  it('two writers that both skipped the booking lock collide on (booking, sequence) instead of reordering events', async () => {
    await prisma.$transaction(async (tx) => appendOutboxEvent(tx, statusChanged(bookingId)));
    const first = new pg.Client({ connectionString: inject('databaseUrl') });
    await first.connect();
    try {
      await first.query('BEGIN');
      // What appendOutboxEvents sends, by hand, so this transaction can be held open while the other one runs.
      await first.query(
        `INSERT INTO outbox_events (id, aggregate_type, aggregate_id, sequence, type, schema_version, data, occurred_at)
         VALUES (gen_random_uuid(), 'booking', $1, 2, $2, 1, $3, now())`,
        [bookingId, EventType.bookingStatusChanged, JSON.stringify({ bookingId })],
      );
      const second = prisma.$transaction(async (tx) => appendOutboxEvent(tx, statusChanged(bookingId))).then(() => 'written', (error: unknown) => error);
      await untilSomeoneWaitsOnALock(first);
      await first.query('COMMIT');
      expect(isUniqueViolation(await second)).toBe(true);
    } finally {
      await first.end();
    }
    expect((await rowsOf(bookingId)).map((r) => r.sequence)).toEqual([1, 2]);
  });
});
