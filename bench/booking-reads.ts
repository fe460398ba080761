import http from 'node:http';
import type { BenchEnvironment } from './bench-environment.ts';
import { runClosedLoop, type ClosedLoopResult } from './closed-loop.ts';
import { watchBookingOutcomes } from './confirmation-watcher.ts';
import type { MeasureContext } from './measure.ts';
import { type ProcessCost, costBetween, snapshotUsage } from './measured-processes.ts';
import type { BenchPlan } from './options.ts';
import { type BookingClient, benchTrip, createBookingClient, sagaOperation } from './saga-load.ts';

export interface BookingReadsResult {
  connections: number;
  /** GET /bookings/:id of bookings booked during the measurement, running and confirmed alike. */
  reads: ClosedLoopResult;
  /** The bookings that kept confirming meanwhile (closed loop of `bookingClients`). */
  bookings: ClosedLoopResult & { clients: number };
  costs: Record<string, ProcessCost>;
}

/**
 * `GET /bookings/:id` at many connections while bookings keep confirming: each read picks one of the bookings made so
 * far (most of them confirmed, the newest still running) and reads it as its traveler, over keep-alive connections.
 */
export async function measureBookingReads(ctx: MeasureContext, env: BenchEnvironment, plan: BenchPlan): Promise<BookingReadsResult> {
  const { connections, bookingClients } = plan.reads;
  const booked: { id: string; email: string }[] = [];
  const tokens = new Map<string, string>();
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const watcher = watchBookingOutcomes(env.db);
  const client = createBookingClient(env.apiUrl, bookingClients, env.travelerToken);
  // A first few bookings, so the readers have something to read from the start.
  for (let i = 0; i < 20; i += 1) {
    const trip = benchTrip(env.offers);
    booked.push({ id: await client.book(trip), email: trip.traveler.email });
  }
  // The background bookings feed the readers: each one is readable as soon as the API accepted it.
  const remembering: BookingClient = {
    ...client,
    book: async (request) => {
      const id = await client.book(request);
      booked.push({ id, email: request.traveler.email });
      return id;
    },
  };
  const book = sagaOperation(remembering, watcher, env.offers);
  const read = async (): Promise<number> => {
    const { id, email } = booked[Math.floor(Math.random() * booked.length)]!;
    let token = tokens.get(email);
    if (!token) tokens.set(email, (token = await env.travelerToken(email)));
    const startedAt = performance.now();
    const status = await get(agent, new URL(`/bookings/${id}`, env.apiUrl), token);
    if (status !== 200) throw new Error(`GET /bookings/:id answered ${status}`);
    return performance.now() - startedAt;
  };

  const bar = ctx.progress.start(`GET /bookings/:id  ${connections} connections, bookings confirming`, plan.warmupMs + plan.measureMs);
  const before = await snapshotUsage(ctx.measured);
  try {
    const [reads, bookings] = await Promise.all([
      runClosedLoop({
        concurrency: connections,
        warmupMs: plan.warmupMs,
        measureMs: plan.measureMs,
        // As measure() does: every connection completes at least once in the window, however slow the reads.
        minCompletions: connections,
        maxMeasureMs: plan.measureMs * 3,
        operation: read,
        onTick: (t) => bar.update(t),
      }),
      runClosedLoop({ concurrency: bookingClients, warmupMs: plan.warmupMs, measureMs: plan.measureMs, operation: book }),
    ]);
    const after = await snapshotUsage(ctx.measured);
    bar.finish(
      `${reads.throughputPerSecond.toFixed(0)} reads/s, p50 ${reads.latencyMs.p50.toFixed(0)} ms, p99 ${reads.latencyMs.p99.toFixed(0)} ms; ` +
        `${bookings.throughputPerSecond.toFixed(1)} bookings/s confirmed meanwhile` +
        (reads.errors ? `, ${reads.errors} errors (${reads.errorSamples[0] ?? ''})` : ''),
    );
    return { connections, reads, bookings: { ...bookings, clients: bookingClients }, costs: costBetween(before, after, reads.totalCompleted, ctx.measured) };
  } finally {
    agent.destroy();
    client.close();
    await watcher.stop();
  }
}

function get(agent: http.Agent, url: URL, token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}
