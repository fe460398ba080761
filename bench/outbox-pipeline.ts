import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { tripSummariesConsumer } from '../src/consumers/trip-summaries/trip-summaries.ts';
import type { BenchEnvironment } from './bench-environment.ts';
import { watchBookingOutcomes } from './confirmation-watcher.ts';
import type { MeasureContext } from './measure.ts';
import type { BenchPlan } from './options.ts';
import { RecentBookings, createBookingClient, sagaOperation } from './saga-load.ts';
import { waitForPipelineIdle } from './pipeline-idle.ts';
import { type SyntheticTrips, loadTripTemplate } from './synthetic-trips.ts';
import { type LatencySummary, summarizeLatencies } from './stats.ts';

/** The read model: "applied" means this consumer's inbox row for the event committed, with the summary it updates. */
const readModel = tripSummariesConsumer.name;

/** How one set of events went through the pipeline, from the outbox rows and the read model's inbox. */
export interface PipelineLag {
  events: number;
  /** Commit (occurred_at) -> the relay marked the event published, right after JetStream acknowledged its batch. */
  commitToAckMs: LatencySummary;
  /** Commit -> the read model's inbox transaction for the event (trip_summaries updated in the same transaction). */
  commitToAppliedMs: LatencySummary;
  /** Events still not published or applied when we stopped waiting (should be 0). */
  unfinished: number;
}

export type OutboxPipelineResult =
  | { measured: false; reason: string }
  | {
      measured: true;
      /** The events the saga measurements produced, at the rate the sagas ran. */
      duringSagas?: SagaEventLag;
      /** Events committed at a steady rate by the driver, shaped and ordered as a confirmed trip's. */
      fixedRate: PipelineLag & { targetEventsPerSecond: number; committedEventsPerSecond: number; seconds: number; writeErrors: number; writeErrorSamples: string[] };
      /** A backlog committed in one transaction: how fast the relay empties it, and the read model catches up. */
      /** Rates over the events published (applied) by the last one's time; `unfinished` were not both when we stopped. */
      backlog: { events: number; relaySeconds: number; relayEventsPerSecond: number; appliedSeconds: number; appliedEventsPerSecond: number; unfinished: number };
    };

/**
 * The outbox pipeline as deployed (relay and consumers in their own processes, JetStream in between):
 *  1. the lag of the events the saga measurements produced (the rate the sagas reached);
 *  2. a steady 200 events/s (the target rate, above what the sagas reach on this machine), written by the
 *     driver as copies of a real confirmed trip's events, one transaction per event, a booking's events in order;
 *  3. a backlog committed at once, which gives the relay's and the read model's own ceilings, to set beside the raw
 *     JetStream publish+ack rate measured in the same run.
 */
export async function measureOutboxPipeline(
  ctx: MeasureContext,
  env: BenchEnvironment,
  plan: BenchPlan,
  duringSagas?: SagaEventLag,
): Promise<OutboxPipelineResult> {
  if ('skipped' in env.pipeline) return { measured: false, reason: env.pipeline.skipped };

  await waitForPipelineIdle(env, ctx.progress, plan.pipeline.settleTimeoutMs);
  const template = await loadTripTemplate(env.db, await bookOneTrip(env));
  const trips: SyntheticTrips = template.trips(env.databaseUrl);
  try {
    const { targetEventsPerSecond, seconds } = plan.pipeline;
    const bar = ctx.progress.start(`pipeline at ${targetEventsPerSecond} events/s`, seconds * 1000);
    const steady = await trips.commitSteadily({ eventsPerSecond: targetEventsPerSecond, seconds, onTick: (tick) => bar.update(tick) });
    const fixedLag = await waitForLag(env.db, { bookingIds: steady.bookingIds, events: steady.events, timeoutMs: plan.pipeline.settleTimeoutMs });
    bar.finish(`commit->ack p50 ${fmt(fixedLag.commitToAckMs.p50)} p99 ${fmt(fixedLag.commitToAckMs.p99)} ms, commit->applied p99 ${fmt(fixedLag.commitToAppliedMs.p99)} ms`);

    const backlogBar = ctx.progress.start(`pipeline backlog of ${plan.pipeline.backlogTrips * template.eventsPerTrip} events`, 10_000);
    const backlog = await trips.commitBacklog(plan.pipeline.backlogTrips);
    const drained = await waitForLag(env.db, { bookingIds: backlog.bookingIds, events: backlog.events, timeoutMs: plan.pipeline.settleTimeoutMs, onTick: (done) => backlogBar.update({ elapsedMs: Date.now() - backlog.committedAt.getTime(), done, errors: 0 }) });
    const times = await drainTimes(env.db, backlog.bookingIds);
    const relaySeconds = (times.lastPublishedAt - backlog.committedAt.getTime()) / 1000;
    const appliedSeconds = (times.lastAppliedAt - backlog.committedAt.getTime()) / 1000;
    const relayEventsPerSecond = times.published / relaySeconds;
    const appliedEventsPerSecond = times.applied / appliedSeconds;
    backlogBar.finish(`relay ${fmt(relayEventsPerSecond)} events/s, read model ${fmt(appliedEventsPerSecond)} events/s`);

    return {
      measured: true,
      ...(duringSagas ? { duringSagas } : {}),
      fixedRate: {
        ...fixedLag,
        targetEventsPerSecond,
        committedEventsPerSecond: steady.events / steady.seconds,
        seconds: steady.seconds,
        writeErrors: steady.errors,
        writeErrorSamples: steady.errorSamples,
      },
      backlog: {
        events: backlog.events,
        relaySeconds,
        relayEventsPerSecond,
        appliedSeconds,
        appliedEventsPerSecond,
        unfinished: drained.unfinished,
      },
    };
  } finally {
    await trips.close();
  }
}

/** One real booking through the API, whose events the synthetic trips copy. */
async function bookOneTrip(env: BenchEnvironment): Promise<string> {
  const watcher = watchBookingOutcomes(env.db);
  const client = createBookingClient(env.apiUrl, 1);
  try {
    const booked = new RecentBookings(1);
    await sagaOperation(client, watcher, env.offers, booked)();
    return booked.list()[0]!;
  } finally {
    client.close();
    await watcher.stop();
  }
}

export type SagaEventLag = PipelineLag & { eventsPerSecond: number };

/**
 * The lag of the events the saga measurements produced. Read right after them: a later step empties the booking tables.
 */
export async function measureSagaEventLag(env: BenchEnvironment, window: { from: Date; to: Date }, timeoutMs: number): Promise<SagaEventLag | undefined> {
  if ('skipped' in env.pipeline) return undefined;
  const { db } = env;
  const { rows } = await db.query<{ id: string }>('SELECT DISTINCT aggregate_id AS id FROM outbox_events WHERE occurred_at BETWEEN $1 AND $2', [window.from, window.to]);
  const bookingIds = rows.map((r) => r.id);
  const lag = await waitForLag(db, { bookingIds, from: window.from, to: window.to, timeoutMs });
  const seconds = (window.to.getTime() - window.from.getTime()) / 1000;
  return { ...lag, eventsPerSecond: lag.events / seconds };
}

/**
 * Waits (up to `timeoutMs`) until every event of these bookings is published and applied by the read model, then reads
 * the lags. Events that never arrive are counted, not waited for forever.
 */
async function waitForLag(
  db: pg.Pool,
  { bookingIds, events, from, to, timeoutMs, onTick }: { bookingIds: string[]; events?: number; from?: Date; to?: Date; timeoutMs: number; onTick?: (done: number) => void },
): Promise<PipelineLag> {
  const window = [from ?? new Date(0), to ?? new Date(8.64e15)];
  const deadline = Date.now() + timeoutMs;
  let finished = 0;
  let total = events ?? 0;
  for (;;) {
    const { rows } = await db.query<{ total: number; finished: number }>(
      `SELECT count(*)::int AS total, count(i.processed_at) FILTER (WHERE o.published_at IS NOT NULL)::int AS finished
       FROM outbox_events o LEFT JOIN consumer_inbox i ON i.consumer = $2 AND i.event_id = o.id
       WHERE o.aggregate_id = ANY($1) AND o.occurred_at BETWEEN $3 AND $4`,
      [bookingIds, readModel, ...window],
    );
    total = rows[0]!.total;
    finished = rows[0]!.finished;
    onTick?.(finished);
    if (finished >= total || Date.now() > deadline) break;
    await sleep(100);
  }
  const { rows } = await db.query<{ ack_ms: number | null; applied_ms: number | null }>(
    `SELECT extract(epoch FROM o.published_at - o.occurred_at) * 1000 AS ack_ms,
            extract(epoch FROM i.processed_at - o.occurred_at) * 1000 AS applied_ms
     FROM outbox_events o LEFT JOIN consumer_inbox i ON i.consumer = $2 AND i.event_id = o.id
     WHERE o.aggregate_id = ANY($1) AND o.occurred_at BETWEEN $3 AND $4`,
    [bookingIds, readModel, ...window],
  );
  const present = (values: (number | null)[]) => values.filter((v): v is number => v !== null).map(Number);
  return {
    events: total,
    commitToAckMs: summarizeLatencies(present(rows.map((r) => r.ack_ms))),
    commitToAppliedMs: summarizeLatencies(present(rows.map((r) => r.applied_ms))),
    unfinished: total - finished,
  };
}

/** When the last of these events was published and applied, and how many were: a rate must not count the missing. */
async function drainTimes(db: pg.Pool, bookingIds: string[]) {
  const { rows } = await db.query<{ published: Date | null; applied: Date | null; published_count: number; applied_count: number }>(
    `SELECT max(o.published_at) AS published, max(i.processed_at) AS applied,
            count(o.published_at)::int AS published_count, count(i.processed_at)::int AS applied_count
     FROM outbox_events o LEFT JOIN consumer_inbox i ON i.consumer = $2 AND i.event_id = o.id
     WHERE o.aggregate_id = ANY($1)`,
    [bookingIds, readModel],
  );
  const row = rows[0]!;
  return {
    lastPublishedAt: row.published?.getTime() ?? Number.NaN,
    lastAppliedAt: row.applied?.getTime() ?? Number.NaN,
    published: row.published_count,
    applied: row.applied_count,
  };
}

function fmt(value: number): string {
  return Number.isFinite(value) ? value.toFixed(1) : '-';
}
