import type { BenchEnvironment } from './bench-environment.ts';
import { watchBookingOutcomes } from './confirmation-watcher.ts';
import { type MeasureContext, type Measurement, measure } from './measure.ts';
import type { BenchPlan } from './options.ts';
import { inspectSagaHistories } from './saga-health.ts';
import { RecentBookings, createBookingClient, sagaOperation } from './saga-load.ts';
import { countBookings, resetBookings, seedConfirmedBookings } from './seed.ts';

export interface GrowthLevel {
  /** Bookings in the database when the measurement started (seeded history plus earlier measurements). */
  bookingsAtStart: number;
  seededSeconds: number;
  saga: Measurement;
}

/**
 * The same saga measurement over a database that already holds ~1,000, then ~10,000 bookings with their reservations,
 * steps and outbox events. The booking tables are emptied first so the levels mean what they say.
 */
export async function measureGrowth(ctx: MeasureContext, env: BenchEnvironment, plan: BenchPlan): Promise<GrowthLevel[]> {
  const watcher = watchBookingOutcomes(env.db);
  const client = createBookingClient(env.apiUrl, plan.growth.concurrency);
  const levels: GrowthLevel[] = [];
  try {
    await resetBookings(env.db);
    for (const target of plan.growth.bookingLevels) {
      const existing = await countBookings(env.db);
      const seedStartedAt = performance.now();
      if (existing < target) {
        ctx.progress.log(`  seeding ${target - existing} confirmed bookings (with reservations, saga steps, outbox events)`);
        await seedConfirmedBookings(env.db, target - existing, env.offers);
      }
      const seededSeconds = (performance.now() - seedStartedAt) / 1000;
      const bookingsAtStart = await countBookings(env.db);
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
      levels.push({ bookingsAtStart, seededSeconds: Math.round(seededSeconds * 10) / 10, saga });
    }
  } finally {
    client.close();
    await watcher.stop();
  }
  return levels;
}
