import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { inTransaction } from './in-transaction.ts';
import type { ProgressTick } from './progress.ts';

/**
 * Copies of one real confirmed trip (its booking row and its outbox events, the booking id replaced), committed by
 * the driver at a rate we choose. The relay and the consumers cannot tell them from a saga's: same tables, same event
 * data, one booking's events numbered and committed in order. Only the writer is ours: it is the pipeline we measure.
 */
export async function loadTripTemplate(db: pg.Pool, bookingId: string) {
  const { rows: events } = await db.query<{ sequence: number; type: string; schema_version: number; data: string }>(
    'SELECT sequence, type, schema_version, data::text AS data FROM outbox_events WHERE aggregate_id = $1 ORDER BY sequence',
    [bookingId],
  );
  if (events.length === 0) throw new Error(`booking ${bookingId} has no outbox events to copy`);
  return {
    eventsPerTrip: events.length,
    trips: (databaseUrl: string) => createSyntheticTrips(databaseUrl, bookingId, events),
  };
}

interface TemplateEvent {
  sequence: number;
  type: string;
  schema_version: number;
  data: string;
}

function createSyntheticTrips(databaseUrl: string, templateId: string, template: TemplateEvent[]) {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 8, application_name: 'tripsaga-bench-writer' });

  /** The booking row goes in with the first event, as POST /bookings writes them. Each statement commits on its own. */
  async function commitEvent(bookingId: string, event: TemplateEvent) {
    const data = event.data.replaceAll(templateId, bookingId);
    const insertEvent = `INSERT INTO outbox_events (id, aggregate_type, aggregate_id, sequence, type, schema_version, data, occurred_at)
      VALUES (gen_random_uuid(), 'booking', $1, $2, $3, $4, $5::jsonb, clock_timestamp())`;
    if (event.sequence !== template[0]!.sequence) {
      await pool.query(insertEvent, [bookingId, event.sequence, event.type, event.schema_version, data]);
      return;
    }
    await pool.query(
      `WITH booking AS (
         INSERT INTO bookings (id, status, traveler_name, traveler_email, request, workflow_started_at, created_at, updated_at)
         SELECT $1, status, traveler_name, traveler_email, replace(request::text, $6, $1)::jsonb, now(), now(), now()
         FROM bookings WHERE id = $6)
       ${insertEvent}`,
      [bookingId, event.sequence, event.type, event.schema_version, data, templateId],
    );
  }

  return {
    eventsPerTrip: template.length,

    /**
     * Open loop: one event every 1/rate s whatever the pipeline does. Trips start one after another and overlap; the
     * schedule gives each time slot exactly one event (trip b's event k at slot 8b + 9k, for 8 events a trip), so a
     * trip's events are a slot apart from each other's neighbours and never committed out of order.
     */
    async commitSteadily({ eventsPerSecond, seconds, onTick }: { eventsPerSecond: number; seconds: number; onTick?: (tick: ProgressTick) => void }) {
      const slotMs = 1000 / eventsPerSecond;
      const perTrip = template.length;
      const tripCount = Math.max(1, Math.ceil((eventsPerSecond * seconds) / perTrip));
      const bookingIds = Array.from({ length: tripCount }, () => `bk_${randomUUID()}`);
      const startedAt = performance.now() + 50;
      let committed = 0;
      let errors = 0;
      const errorSamples: string[] = [];
      let firstCommitAt = Number.POSITIVE_INFINITY;
      let lastCommitAt = 0;
      const ticker = setInterval(() => onTick?.({ elapsedMs: performance.now() - startedAt, done: committed, errors }), 250);
      try {
        await Promise.all(
          bookingIds.map(async (bookingId, b) => {
            for (const [k, event] of template.entries()) {
              const due = startedAt + (b * perTrip + k * (perTrip + 1)) * slotMs;
              const wait = due - performance.now();
              if (wait > 0) await sleep(wait);
              try {
                await commitEvent(bookingId, event);
              } catch (error) {
                // The trip's later events would break its order: it stops here, and the result says so.
                errors += 1;
                if (errorSamples.length < 3) errorSamples.push((error as Error).message);
                return;
              }
              const now = performance.now();
              firstCommitAt = Math.min(firstCommitAt, now);
              lastCommitAt = Math.max(lastCommitAt, now);
              committed += 1;
            }
          }),
        );
      } finally {
        clearInterval(ticker);
      }
      return { bookingIds, events: committed, seconds: (lastCommitAt - firstCommitAt) / 1000, errors, errorSamples };
    },

    /** `count` trips, all their events, in one transaction: a backlog that appears at once. */
    async commitBacklog(count: number) {
      const bookingIds = Array.from({ length: count }, () => `bk_${randomUUID()}`);
      await inTransaction(pool, async (client) => {
        await client.query(
          `INSERT INTO bookings (id, status, traveler_name, traveler_email, request, workflow_started_at, created_at, updated_at)
           SELECT b.id, t.status, t.traveler_name, t.traveler_email, replace(t.request::text, $2, b.id)::jsonb, now(), now(), now()
           FROM unnest($1::text[]) AS b(id), bookings t WHERE t.id = $2`,
          [bookingIds, templateId],
        );
        await client.query(
          `INSERT INTO outbox_events (id, aggregate_type, aggregate_id, sequence, type, schema_version, data, occurred_at)
           SELECT gen_random_uuid(), 'booking', b.id, t.sequence, t.type, t.schema_version, replace(t.data, $2, b.id)::jsonb, now()
           FROM unnest($1::text[]) WITH ORDINALITY AS b(id, n)
           CROSS JOIN jsonb_to_recordset($3::jsonb) AS t(sequence int, type text, schema_version int, data text)
           ORDER BY b.n, t.sequence`,
          [bookingIds, templateId, JSON.stringify(template)],
        );
      });
      return { bookingIds, events: count * template.length, committedAt: new Date() };
    },

    close: () => pool.end(),
  };
}

export type SyntheticTrips = ReturnType<typeof createSyntheticTrips>;
