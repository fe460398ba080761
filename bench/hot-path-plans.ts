import { randomUUID } from 'node:crypto';
import { PrismaPg } from '@prisma/adapter-pg';
import type { Client } from '@temporalio/client';
import { systemClock } from '../src/lib/clock.ts';
import { createActivities } from '../activities/index.ts';
import { createBookingService } from '../src/bookings/booking-service.ts';
import { type Db, PrismaClient } from '../src/db/prisma.ts';
import type { BenchEnvironment } from './bench-environment.ts';
import { defaultNatsUrl } from './jetstream-publish.ts';
import { runPipelineOnce } from './pipeline-queries.ts';
import { benchTrip } from './saga-load.ts';
import { countBookings } from './seed.ts';

export interface QueryPlan {
  /** Which part of the app sends it. */
  origin: string;
  /** e.g. "SELECT bookings", "UPDATE offers". */
  statement: string;
  sql: string;
  /** The plan's scan nodes, e.g. "Index Scan using bookings_pkey on bookings". Empty for a plain INSERT. */
  access: string[];
  /**
   * `small table`: the planner chose a sequential scan because the table fits in a few pages, and with sequential
   * scans disabled the same statement uses an index, so it will switch by itself as the table grows.
   */
  verdict: 'index' | 'small table' | 'seq scan' | 'no read' | 'explain failed';
  plan: string;
  /** For `small table`: the plan with enable_seqscan off. */
  planWithoutSeqScan?: string;
}

export interface HotPathPlans {
  bookingsInDatabase: number;
  /**
   * Statements each part sent for one booking (transaction control included: every one is a round trip). Unlike
   * the timings, these do not depend on how busy the machine is.
   */
  statements: Record<string, number>;
  /** The happy path of one booking: the API's accept, three reserve steps, the charge step, the confirm step. */
  statementsPerBooking: number;
  queries: QueryPlan[];
  /** Parts whose SQL could not be captured in this run, and why (e.g. no NATS server for the relay's mark). */
  notCaptured: string[];
}

interface CapturedQuery {
  origin: string;
  sql: string;
  params: unknown[];
}

/**
 * The SQL the hot path really sends, captured from Prisma's query log while the real code runs one booking through
 * (the API's accept path, each saga step, a compensation, the saga starter's scan, then the relay and each consumer
 * on the booking's events), then EXPLAINed at the database's current size. Plans are read, not executed (plain
 * EXPLAIN): nothing is written twice.
 */
export async function explainHotPath(env: BenchEnvironment): Promise<HotPathPlans> {
  const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: env.databaseUrl }), log: [{ emit: 'event', level: 'query' }] });
  const captured: CapturedQuery[] = [];
  let origin = '';
  const statements: Record<string, number> = {};
  prisma.$on('query', (event) => {
    // Prisma logs COMMIT but not the BEGIN it sent before the first statement of an interactive transaction.
    statements[origin] = (statements[origin] ?? 0) + (/^COMMIT/i.test(event.query) ? 2 : 1);
    if (/^(BEGIN|COMMIT|ROLLBACK)/i.test(event.query)) return;
    captured.push({ origin, sql: event.query, params: JSON.parse(event.params) as unknown[] });
  });
  const db = prisma as unknown as Db;
  // A task queue no worker polls: the saga is started as the API starts it, and the steps run here, logged.
  const bookings = createBookingService({
    prisma: db,
    temporal: env.temporal,
    taskQueue: `bench-plans-${randomUUID()}`,
    clock: systemClock,
    temporalUiUrl: 'http://localhost:8233',
    travelerPseudonym: env.protection.travelerPseudonym,
  });
  // The same reads for GET /bookings/:id, with a Temporal client whose query fails at once: no worker polls the task
  // queue above, so the real one would wait out its 2 s deadline for an answer that adds no SQL.
  const noQueries = {
    options: env.temporal.options,
    withDeadline: <R>(_deadline: number, fn: () => Promise<R>) => fn(),
    workflow: { getHandle: () => ({ query: async () => Promise.reject(new Error('benchmark: no worker for this task queue')) }) },
  } as unknown as Client;
  const withoutLiveSaga = createBookingService({
    prisma: db,
    temporal: noQueries,
    taskQueue: 'none',
    clock: systemClock,
    temporalUiUrl: 'http://localhost:8233',
    travelerPseudonym: env.protection.travelerPseudonym,
  });
  const activities = createActivities({ prisma: db });
  let bookingId: string | undefined;
  let notCaptured: string[] = [];
  try {
    const trip = benchTrip(env.offers);
    origin = 'api: POST /bookings';
    bookingId = (await bookings.createBooking(trip, `bench-plans-${randomUUID()}`)).booking.id;
    origin = 'worker: 3 reserve steps';
    await activities.reserveFlight({ bookingId, offerId: trip.flight.offerId, quantity: 1 });
    await activities.reserveHotel({ bookingId, offerId: trip.hotel.offerId, quantity: 1 });
    await activities.reserveCar({ bookingId, offerId: trip.car!.offerId, quantity: 1 });
    origin = 'worker: charge step';
    await activities.chargePayment({ bookingId });
    origin = 'worker: confirm step';
    await activities.recordBookingOutcome({ bookingId, status: 'CONFIRMED' });
    origin = 'worker: compensation step';
    await activities.cancelCar({ bookingId });
    origin = 'api: GET /bookings/:id/events';
    const events = await bookings.listEvents(bookingId);
    origin = 'worker: saga starter (every 2 s)';
    await bookings.startPendingSagas();
    const id = bookingId;
    notCaptured = await runPipelineOnce({
      prisma: db,
      db: env.db,
      setOrigin: (o) => (origin = o),
      events,
      bookingView: async () => {
        origin = 'api: GET /bookings/:id (status-updates calls it back)';
        return withoutLiveSaga.getBooking(id);
      },
      natsUrl: process.env.NATS_URL ?? defaultNatsUrl,
    });
  } finally {
    if (bookingId) await env.temporal.workflow.getHandle(bookingId).terminate('benchmark: plan capture done').catch(() => {});
    await prisma.$disconnect();
  }

  const seen = new Set<string>();
  const queries: QueryPlan[] = [];
  for (const query of captured) {
    const key = `${query.origin}\n${query.sql}`;
    if (seen.has(key)) continue;
    seen.add(key);
    queries.push(await explain(env, query));
  }
  const happyPath = ['api: POST /bookings', 'worker: 3 reserve steps', 'worker: charge step', 'worker: confirm step'];
  return {
    bookingsInDatabase: await countBookings(env.db),
    statements,
    statementsPerBooking: happyPath.reduce((sum, o) => sum + (statements[o] ?? 0), 0),
    queries,
    notCaptured,
  };
}

async function explain(env: BenchEnvironment, { origin, sql, params }: CapturedQuery): Promise<QueryPlan> {
  const statement = describeStatement(sql);
  try {
    const { rows } = await env.db.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`, params);
    const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
    const access = scanNodes(plan);
    if (access.length === 0) return { origin, statement, sql, access, verdict: 'no read', plan };
    if (!access.some((a) => a.startsWith('Seq Scan'))) return { origin, statement, sql, access, verdict: 'index', plan };
    const planWithoutSeqScan = await explainWithoutSeqScan(env, sql, params);
    const indexWhenForced = !scanNodes(planWithoutSeqScan).some((a) => a.startsWith('Seq Scan'));
    return { origin, statement, sql, access, verdict: indexWhenForced ? 'small table' : 'seq scan', plan, planWithoutSeqScan };
  } catch (error) {
    return { origin, statement, sql, access: [], verdict: 'explain failed', plan: (error as Error).message };
  }
}

async function explainWithoutSeqScan(env: BenchEnvironment, sql: string, params: unknown[]): Promise<string> {
  const client = await env.db.connect();
  try {
    await client.query('BEGIN');
    await client.query('SET LOCAL enable_seqscan = off');
    const { rows } = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`, params);
    return rows.map((r) => r['QUERY PLAN']).join('\n');
  } finally {
    await client.query('ROLLBACK').catch(() => {});
    client.release();
  }
}

export function describeStatement(sql: string): string {
  const verb = /^\s*(\w+)/.exec(sql)?.[1]?.toUpperCase() ?? '?';
  const table = /(?:FROM|INTO|UPDATE)\s+(?:"public"\.)?"?(\w+)"?/i.exec(sql)?.[1] ?? '?';
  return `${verb} ${table}`;
}

/** "Index Scan using offers_pkey on offers  (cost=…)" -> "Index Scan using offers_pkey on offers". */
export function scanNodes(plan: string): string[] {
  return plan
    .split('\n')
    .map((line) => line.replace(/^[\s->]+/, '').replace(/\s+\(cost=.*$/, ''))
    .filter((line) => /^(Seq Scan|Index Scan|Index Only Scan|Bitmap Index Scan|Bitmap Heap Scan)\b/.test(line));
}
