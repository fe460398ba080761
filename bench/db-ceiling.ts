import { createActivities } from '../activities/index.ts';
import type { ReservationKind } from '../activities/types.ts';
import { openDatabase } from '../src/db/open-database.ts';
import type { BenchEnvironment } from './bench-environment.ts';
import { type MeasureContext, type Measurement, measure } from './measure.ts';
import type { BenchPlan } from './options.ts';
import { type OfferPool, deleteBookings, pick, seedPendingBookings } from './seed.ts';

export interface DatabaseCeiling {
  /** One reserve transaction per operation (lock booking, check step, take units, reservation, outbox, step record). */
  reserve: Measurement[];
  /** A booking's five step transactions one after another (3 reserves + charge + confirm): bookings/s with no Temporal. */
  bookingSteps: Measurement[];
}

const reserveActivity = { flight: 'reserveFlight', hotel: 'reserveHotel', car: 'reserveCar' } as const;
const kinds: ReservationKind[] = ['flight', 'hotel', 'car'];

/**
 * The database's side alone: the real activity functions from createActivities, called directly against the same
 * database with the same Prisma setup the worker uses, no Temporal in between. If these rates are far above the
 * saga's, the database is not what limits it.
 */
export async function measureDatabaseCeiling(ctx: MeasureContext, env: BenchEnvironment, plan: BenchPlan): Promise<DatabaseCeiling> {
  const database = await openDatabase({ databaseUrl: env.databaseUrl, dataDir: '', migrate: false });
  const activities = createActivities({ prisma: database.prisma });
  const bookings = bookingSupply(env, env.offers);
  const ceiling: DatabaseCeiling = { reserve: [], bookingSteps: [] };
  // The transactions alone: the relay and the consumers would otherwise take CPU from them on this machine.
  const resumePipeline = env.pausePipeline();
  try {
    for (const concurrency of plan.concurrencies) {
      ceiling.reserve.push(
        await measure(ctx, {
          kind: 'database',
          label: `reserve tx     c=${concurrency}`,
          concurrency,
          warmupMs: Math.min(plan.warmupMs, 1_000),
          measureMs: plan.dbMeasureMs,
          operation: async () => {
            // A booking of its own per operation: a saga never runs two steps of one booking at once.
            const bookingId = await bookings.next();
            const kind = pick(kinds);
            const startedAt = performance.now();
            await activities[reserveActivity[kind]]({ bookingId, offerId: pick(env.offers[kind]), quantity: 1 });
            return performance.now() - startedAt;
          },
        }),
      );
    }
    for (const concurrency of plan.concurrencies) {
      ceiling.bookingSteps.push(
        await measure(ctx, {
          kind: 'database',
          label: `5 step txs     c=${concurrency}`,
          concurrency,
          warmupMs: Math.min(plan.warmupMs, 1_000),
          measureMs: plan.dbMeasureMs,
          operation: async () => {
            const bookingId = await bookings.next();
            const startedAt = performance.now();
            for (const kind of kinds) await activities[reserveActivity[kind]]({ bookingId, offerId: pick(env.offers[kind]), quantity: 1 });
            await activities.chargePayment({ bookingId });
            await activities.recordBookingOutcome({ bookingId, status: 'CONFIRMED' });
            return performance.now() - startedAt;
          },
        }),
      );
    }
  } finally {
    // The measured bookings were never meant to reach the read model: gone before the relay wakes, so the pipeline has
    // no backlog of them to work off (the relay was paused, so none of their events is on the stream either).
    await bookings.discardAll().catch((error: Error) => ctx.progress.log(`  could not remove the ceiling's bookings: ${error.message}`));
    resumePipeline();
    await database.close();
  }
  return ceiling;
}

/**
 * Fresh PENDING bookings, seeded in batches ahead of demand, so no measured operation waits on seeding for long.
 * `discardAll` removes every booking it seeded, with whatever the steps wrote for it.
 */
function bookingSupply(env: BenchEnvironment, offers: OfferPool, batch = 200) {
  const ready: string[] = [];
  const seeded: string[] = [];
  let refilling: Promise<void> | undefined;

  const refill = () => {
    refilling ??= seedPendingBookings(env.db, batch, offers)
      .then((ids) => {
        ready.push(...ids);
        seeded.push(...ids);
      })
      .finally(() => (refilling = undefined));
    return refilling;
  };

  return {
    async discardAll() {
      await refilling;
      await deleteBookings(env.db, seeded);
    },
    async next(): Promise<string> {
      while (ready.length === 0) await refill();
      if (ready.length < batch / 4) void refill();
      return ready.pop()!;
    },
  };
}
