import { setTimeout as sleep } from 'node:timers/promises';
import { defaultConsumers } from '../src/pipeline/event-pipeline.ts';
import type { BenchEnvironment } from './bench-environment.ts';
import type { Progress } from './progress.ts';

/** The consumers the bench's consumers process runs (API_BASE_URL is set, so status-updates is one of them). */
const consumerNames = defaultConsumers({ apiBaseUrl: 'http://127.0.0.1' }).map((consumer) => consumer.name);

/**
 * Waits until the relay has published every event and each consumer has settled each one (applied, skipped or
 * dead-lettered: one inbox row per event). Called before the booking tables are emptied, so no event still in flight
 * lands on a booking that is gone, and before a measurement, so the previous one's backlog is not charged to it.
 */
export async function waitForPipelineIdle(env: BenchEnvironment, progress: Progress, timeoutMs: number): Promise<void> {
  if ('skipped' in env.pipeline) return;
  const startedAt = Date.now();
  let behind = 0;
  for (;;) {
    const { rows } = await env.db.query<{ unpublished: number; unsettled: number }>(
      `SELECT (SELECT count(*)::int FROM outbox_events WHERE published_at IS NULL) AS unpublished,
              (SELECT coalesce(sum(greatest(e.n - coalesce(i.n, 0), 0)), 0)::int
               FROM (SELECT count(*) AS n FROM outbox_events) e
               CROSS JOIN unnest($1::text[]) AS c(name)
               LEFT JOIN (SELECT consumer, count(*) AS n FROM consumer_inbox GROUP BY consumer) i ON i.consumer = c.name) AS unsettled`,
      [consumerNames],
    );
    behind = rows[0]!.unpublished + rows[0]!.unsettled;
    if (behind === 0) return;
    if (Date.now() - startedAt > timeoutMs) break;
    await sleep(200);
  }
  progress.log(`  !! the event pipeline still had ${behind} event deliveries to settle after ${timeoutMs / 1000} s; going on`);
}
