import { randomUUID } from 'node:crypto';
import { PrismaPg } from '@prisma/adapter-pg';
import { createActivities } from '../activities/index.ts';
import type { Coordination } from '../src/bookings/choreographed-booking.ts';
import { createBookingService } from '../src/bookings/booking-service.ts';
import { choreographyConsumers } from '../src/choreography/services.ts';
import { applyEvent } from '../src/consumers/apply-event.ts';
import { readConsumedEvent } from '../src/consumers/consumed-event.ts';
import type { Db } from '../src/db/prisma.ts';
import { toCloudEvent } from '../src/events/cloud-event.ts';
import { readOrdering } from '../src/events/envelope.ts';
import { PrismaClient } from '../src/generated/prisma/client.ts';
import { systemClock } from '../src/lib/clock.ts';
import { walletPaymentMethod } from '../src/wallet/wallet-payment-method.ts';
import { defaultWalletSettings } from '../src/wallet/wallet-settings.ts';
import type { BenchEnvironment } from './bench-environment.ts';
import type { OperationTiming } from './closed-loop.ts';
import { watchBookingOutcomes, type BookingOutcomeWatcher } from './confirmation-watcher.ts';
import { type MeasureContext, type Measurement, measure } from './measure.ts';
import type { BenchPlan } from './options.ts';
import { type BookingClient, benchTrip, createBookingClient } from './saga-load.ts';

export interface CoordinationRun {
  coordination: Coordination;
  measurement: Measurement;
  /** Outbox events per booking (each crosses the relay, JetStream and every consumer's inbox). */
  eventsPerBooking: number;
  /**
   * SQL statements one confirmed booking issues against PostgreSQL, captured with a logged client on one booking
   * run in the driver: accepting it, its steps, and the choreographed services' inboxes on its events. Temporal's own
   * persistence (the orchestration's history) is not PostgreSQL and not counted here.
   */
  sqlStatements: Record<string, number> & { total: number };
}

export interface CoordinationComparison {
  concurrency: number;
  runs: CoordinationRun[];
}

/**
 * The same trip booked through the API at the same concurrency, orchestrated (the worker process) then choreographed
 * (the services in the consumers process), back to back in one run: bookings/s, latency from POST to CONFIRMED, CPU
 * per booking per process; then events and SQL statements per booking.
 */
export async function compareCoordinations(ctx: MeasureContext, env: BenchEnvironment, plan: BenchPlan): Promise<CoordinationComparison> {
  if ('skipped' in env.pipeline) throw new Error(`the choreography needs the event pipeline: ${env.pipeline.skipped}`);
  const concurrency = Math.min(8, Math.max(...plan.concurrencies));
  const watcher = watchBookingOutcomes(env.db);
  const client = createBookingClient(env.apiUrl, concurrency, env.travelerToken);
  const runs: CoordinationRun[] = [];
  try {
    for (const coordination of ['orchestration', 'choreography'] as const) {
      const booked: string[] = [];
      const measurement = await measure(ctx, {
        label: `${coordination.padEnd(13)}  c=${concurrency}`,
        kind: 'saga',
        concurrency,
        warmupMs: plan.warmupMs,
        measureMs: plan.measureMs,
        operation: coordinatedOperation(client, watcher, env, coordination, booked),
        settleMs: coordination === 'orchestration' ? plan.sagaSettleMs : 0,
      });
      const { rows } = await env.db.query<{ events: string }>('SELECT count(*) AS events FROM outbox_events WHERE aggregate_id = ANY($1)', [booked]);
      runs.push({
        coordination,
        measurement,
        eventsPerBooking: booked.length ? Number(rows[0]!.events) / booked.length : 0,
        sqlStatements: await countStatements(env, coordination),
      });
    }
  } finally {
    client.close();
    await watcher.stop();
  }
  return { concurrency, runs };
}

function coordinatedOperation(client: BookingClient, watcher: BookingOutcomeWatcher, env: BenchEnvironment, coordination: Coordination, booked: string[]) {
  return async (): Promise<OperationTiming> => {
    const startedAtMs = Date.now();
    const bookingId = await client.book({ ...benchTrip(env.offers), coordination });
    const acceptedAtMs = Date.now();
    const outcome = await watcher.settled(bookingId);
    if (outcome.status !== 'CONFIRMED') throw new Error(`booking ended ${outcome.status}: ${outcome.failureReason ?? ''}`);
    booked.push(bookingId);
    return { latencyMs: outcome.settledAtMs - startedAtMs, partsMs: { accept: acceptedAtMs - startedAtMs, steps: outcome.settledAtMs - acceptedAtMs } };
  };
}

/**
 * One booking of the coordination, run in this process on a logged client while the relay and the consumers are held
 * still: the API's accept, then the orchestration's activities or the choreographed services. The services read
 * every event of every booking (a consumer sees a booking's whole sequence), so an orchestrated booking costs them
 * their inbox rows too. Its events are then marked published, so the held pipeline never applies them a second time.
 */
async function countStatements(env: BenchEnvironment, coordination: Coordination): Promise<CoordinationRun['sqlStatements']> {
  const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: env.databaseUrl }), log: [{ emit: 'event', level: 'query' }] });
  const counts: Record<string, number> = {};
  let origin = '';
  prisma.$on('query', (event) => {
    // Prisma logs COMMIT but not the BEGIN it sent before the first statement of an interactive transaction.
    counts[origin] = (counts[origin] ?? 0) + (/^COMMIT/i.test(event.query) ? 2 : 1);
  });
  const db = prisma as unknown as Db;
  const bookings = createBookingService({
    prisma: db,
    temporal: env.temporal,
    // No worker polls it: the steps run here, logged, as hot-path-plans.ts captures them.
    taskQueue: `bench-coordination-${randomUUID()}`,
    clock: systemClock,
    temporalUiUrl: 'http://localhost:8233',
    travelerPseudonym: env.protection.travelerPseudonym,
  });
  const services = choreographyConsumers({ clock: systemClock, payments: walletPaymentMethod(defaultWalletSettings) });
  const resume = env.pausePipeline();
  let bookingId: string | undefined;
  try {
    const trip = { ...benchTrip(env.offers), coordination };
    origin = 'accept (POST /bookings)';
    bookingId = (await bookings.createBooking(trip, `bench-coordination-${randomUUID()}`)).booking.id;
    if (coordination === 'orchestration') {
      origin = 'steps (activities)';
      const activities = createActivities({ prisma: db });
      await activities.reserveFlight({ bookingId, offerId: trip.flight.offerId, quantity: 1 });
      await activities.reserveHotel({ bookingId, offerId: trip.hotel.offerId, quantity: 1 });
      await activities.reserveCar({ bookingId, offerId: trip.car!.offerId, quantity: 1 });
      await activities.chargePayment({ bookingId });
      await activities.recordBookingOutcome({ bookingId, status: 'CONFIRMED' });
    }
    origin = coordination === 'orchestration' ? 'choreographed services skipping its events (inbox)' : 'steps (choreographed services, inbox included)';
    const applied = new Map(services.map((s) => [s.name, 0]));
    for (let progressed = true; progressed; ) {
      progressed = false;
      const rows = await prisma.outboxEvent.findMany({ where: { aggregateId: bookingId }, orderBy: { sequence: 'asc' } });
      for (const service of services) {
        for (const row of rows.filter((r) => r.sequence > applied.get(service.name)!)) {
          const envelope = readOrdering(toCloudEvent(row));
          const before = origin;
          await applyEvent(db, service, readConsumedEvent(envelope), envelope);
          origin = before;
          applied.set(service.name, row.sequence);
          progressed = true;
        }
      }
      // The reads of this loop are the benchmark's, not the services': they come off the count.
      counts[origin] = (counts[origin] ?? 0) - 1;
    }
    const settled = await env.db.query<{ status: string }>('SELECT status FROM bookings WHERE id = $1', [bookingId]);
    if (settled.rows[0]?.status !== 'CONFIRMED') throw new Error(`the ${coordination} booking run for its statements ended ${settled.rows[0]?.status}`);
  } finally {
    if (bookingId) {
      await env.db.query('UPDATE outbox_events SET published_at = now() WHERE aggregate_id = $1 AND published_at IS NULL', [bookingId]);
      if (coordination === 'orchestration') await env.temporal.workflow.getHandle(bookingId).terminate('benchmark: statements counted').catch(() => {});
    }
    resume();
    await prisma.$disconnect();
  }
  return { ...counts, total: Object.values(counts).reduce((a, b) => a + b, 0) };
}

/** The comparison's lines for the summary `npm run bench` prints (report.ts). */
export function formatCoordinationComparison(comparison: CoordinationComparison, formatTable: (headers: string[], rows: (string | number)[][]) => string): string[] {
  const { runs, concurrency } = comparison;
  const fixed = (n: number | null | undefined, digits = 1) => (n === null || n === undefined || !Number.isFinite(n) ? '-' : n.toFixed(digits));
  const processes = [...new Set(runs.flatMap((r) => Object.keys(r.measurement.costs)))].filter((p) => p !== 'bench-driver' && p !== 'bare-worker');
  const origins = [...new Set(runs.flatMap((r) => Object.keys(r.sqlStatements)))].filter((o) => o !== 'total');
  return [
    '',
    `== Orchestration vs choreography, the same trip through the API, ${concurrency} clients, back to back`,
    formatTable(
      ['coordination', 'bookings/s', 'p50 ms', 'p99 ms', 'events/booking', 'SQL statements/booking'],
      runs.map((r) => [
        r.coordination,
        fixed(r.measurement.throughputPerSecond),
        fixed(r.measurement.latencyMs.p50, 0),
        fixed(r.measurement.latencyMs.p99, 0),
        fixed(r.eventsPerBooking),
        r.sqlStatements.total,
      ]),
    ),
    'CPU ms per booking, by process (the whole measurement: warm-up, window and drain):',
    formatTable(
      ['coordination', ...processes],
      runs.map((r) => [r.coordination, ...processes.map((p) => fixed(r.measurement.costs[p]?.cpuSecondsPer1000, 0))]),
    ),
    'SQL statements per booking, by origin (one booking run in the driver on a logged client):',
    formatTable(['coordination', ...origins], runs.map((r) => [r.coordination, ...origins.map((o) => r.sqlStatements[o] ?? '-')])),
  ];
}
