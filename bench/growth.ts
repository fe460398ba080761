import type { BenchEnvironment } from './bench-environment.ts';
import { watchBookingOutcomes } from './confirmation-watcher.ts';
import { type MeasureContext, type Measurement, measure } from './measure.ts';
import type { BenchPlan } from './options.ts';
import { inspectSagaHistories } from './saga-health.ts';
import { RecentBookings, createBookingClient, sagaOperation } from './saga-load.ts';
import { seedConfirmedBookings } from './seed-confirmed-bookings.ts';
import { waitForPipelineIdle } from './pipeline-idle.ts';
import { countBookings, resetBookings } from './seed.ts';

export interface GrowthLevel {
  /** Bookings in the database when the measurement started (seeded history plus earlier measurements). */
  bookingsAtStart: number;
  seededSeconds: number;
  /** The outbox and the consumers' inbox when the measurement started: they grow by 8 and 24 rows a booking. */
  storage: EventStorage;
  saga: Measurement;
}

export interface EventStorage {
  outboxRows: number;
  /** pg_total_relation_size: the table, its TOAST and its indexes. */
  outboxMiB: number;
  inboxRows: number;
  inboxMiB: number;
  /** Every table a booking leaves rows in: estimated rows (pg_class.reltuples, after ANALYZE) and total size. */
  tables?: Record<string, { rows: number; MiB: number }>;
}

/** The tables that grow with bookings, largest first in the report. */
const bookingTables = [
  'bookings', 'api_idempotency_keys', 'reservations', 'saga_steps', 'payments', 'outbox_events', 'consumer_inbox', 'trip_summaries',
  'outgoing_emails', 'trip_notifications', 'event_streams', 'stream_events', 'wallet_summaries', 'wallet_statement_entries',
];
/** Seeded in parts of at most this many bookings: one transaction of 90,000 would hold its temp tables and locks long. */
const seedChunk = 10_000;

async function measureEventStorage(env: BenchEnvironment): Promise<EventStorage> {
  const { rows } = await env.db.query<{ outbox_rows: number; outbox_bytes: string; inbox_rows: number; inbox_bytes: string }>(
    `SELECT (SELECT count(*)::int FROM outbox_events) AS outbox_rows, pg_total_relation_size('outbox_events') AS outbox_bytes,
            (SELECT count(*)::int FROM consumer_inbox) AS inbox_rows, pg_total_relation_size('consumer_inbox') AS inbox_bytes`,
  );
  const mib = (bytes: string) => Math.round((Number(bytes) / 2 ** 20) * 10) / 10;
  const row = rows[0]!;
  const sizes = await env.db.query<{ name: string; rows: number; bytes: string }>(
    `SELECT relname AS name, greatest(reltuples, 0)::bigint::int AS rows, pg_total_relation_size(oid) AS bytes
     FROM pg_class WHERE relkind = 'r' AND relname = ANY($1) ORDER BY pg_total_relation_size(oid) DESC`,
    [bookingTables],
  );
  const tables = Object.fromEntries(sizes.rows.map((t) => [t.name, { rows: t.rows, MiB: mib(t.bytes) }]));
  return { outboxRows: row.outbox_rows, outboxMiB: mib(row.outbox_bytes), inboxRows: row.inbox_rows, inboxMiB: mib(row.inbox_bytes), tables };
}

/**
 * The same saga measurement over a database that already holds ~1,000, then ~10,000 bookings with everything they
 * leave behind (reservations, steps, payments, outbox events, the consumers' inbox and read models). The booking
 * tables are emptied first so the levels mean what they say.
 */
export async function measureGrowth(ctx: MeasureContext, env: BenchEnvironment, plan: BenchPlan): Promise<GrowthLevel[]> {
  const watcher = watchBookingOutcomes(env.db);
  const client = createBookingClient(env.apiUrl, plan.growth.concurrency, env.travelerToken);
  const levels: GrowthLevel[] = [];
  try {
    await waitForPipelineIdle(env, ctx.progress, plan.pipeline.settleTimeoutMs);
    await resetBookings(env.db);
    for (const target of plan.growth.bookingLevels) {
      const existing = await countBookings(env.db);
      const seedStartedAt = performance.now();
      if (existing < target) {
        ctx.progress.log(`  seeding ${target - existing} confirmed bookings (with reservations, saga steps, payments, outbox events, consumer rows)`);
        for (let have = existing; have < target; have += seedChunk) {
          await seedConfirmedBookings(env.db, Math.min(target - have, seedChunk), env.offers);
          if (target - existing > seedChunk) ctx.progress.log(`    ${Math.min(have + seedChunk, target)} of ${target} bookings`);
        }
      }
      const seededSeconds = (performance.now() - seedStartedAt) / 1000;
      const bookingsAtStart = await countBookings(env.db);
      const storage = await measureEventStorage(env);
      const confirmed = new RecentBookings();
      const saga = await measure(ctx, {
        kind: 'saga',
        label: `saga @ ${bookingsAtStart} bookings  c=${plan.growth.concurrency}`,
        concurrency: plan.growth.concurrency,
        warmupMs: plan.warmupMs,
        measureMs: plan.measureMs,
        operation: sagaOperation(client, watcher, env.offers, confirmed),
        settleMs: plan.sagaSettleMs,
      });
      saga.sagaHealth = await inspectSagaHistories(env.temporal, confirmed.list());
      levels.push({ bookingsAtStart, seededSeconds: Math.round(seededSeconds * 10) / 10, storage, saga });
    }
  } finally {
    client.close();
    await watcher.stop();
  }
  return levels;
}
