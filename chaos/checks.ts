import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import type { ClientLedger } from './booking-load.ts';
import { readEventsStream } from './read-stream.ts';

/** The consumers `npm run consumers` runs in the cluster (status-updates too: API_BASE_URL is set). */
export const clusterConsumers = ['trip-summaries', 'notifier', 'status-updates'] as const;
const terminal = ['CONFIRMED', 'COMPENSATED', 'CANCELLED'];

export interface CheckResult {
  name: string;
  /** What was counted, e.g. `412 bookings: 301 CONFIRMED, 75 COMPENSATED, 36 CANCELLED`. */
  detail: string;
  problems: string[];
}

const count = async (db: pg.Pool, sql: string, params: unknown[] = []) => Number((await db.query<{ n: string }>(sql, params)).rows[0]!.n);

/**
 * Waits until the cluster has nothing left in flight: every booking terminal, every outbox event published, every
 * consumer's inbox holding every event. Returns how long that took, or undefined when it did not settle in time
 * (the checks then say what is missing).
 */
export async function waitUntilSettled(db: pg.Pool, timeoutMs: number): Promise<number | undefined> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    const pending = await count(db, `SELECT count(*) AS n FROM bookings WHERE status = 'PENDING'`).catch(() => 1);
    const unpublished = await count(db, 'SELECT count(*) AS n FROM outbox_events WHERE published_at IS NULL').catch(() => 1);
    const unapplied = await count(
      db,
      `SELECT count(*) AS n FROM outbox_events o CROSS JOIN unnest($1::text[]) AS c(consumer)
       WHERE NOT EXISTS (SELECT 1 FROM consumer_inbox i WHERE i.consumer = c.consumer AND i.event_id = o.id)`,
      [clusterConsumers],
    ).catch(() => 1);
    if (pending + unpublished + unapplied === 0) return Date.now() - started;
    await sleep(1_000);
  }
  return undefined;
}

/** Everything the run promises, read from the data: the database, the stream, the consumers' effects. */
export async function checkPromises(db: pg.Pool, natsUrls: string[], stream: string, ledger: ClientLedger): Promise<CheckResult[]> {
  const results: CheckResult[] = [];

  // Every booking terminal, and its saga's start recorded (a booking left without it is rescanned for ever).
  const statuses = (await db.query<{ status: string; n: string }>('SELECT status, count(*) AS n FROM bookings GROUP BY status ORDER BY status')).rows;
  const total = statuses.reduce((sum, s) => sum + Number(s.n), 0);
  const notTerminal = statuses.filter((s) => !terminal.includes(s.status));
  const unstamped = await count(db, 'SELECT count(*) AS n FROM bookings WHERE workflow_started_at IS NULL');
  results.push({
    name: 'every booking terminal',
    detail: `${total} bookings: ${statuses.map((s) => `${s.n} ${s.status}`).join(', ')}`,
    problems: [
      ...notTerminal.map((s) => `${s.n} booking(s) still ${s.status}`),
      ...(unstamped > 0 ? [`${unstamped} booking(s) without workflow_started_at`] : []),
    ],
  });

  // Nothing a client was told is lost; nothing a client asked for is dropped.
  const acceptedIds = [...ledger.accepted.values()].map((a) => a.bookingId);
  const known = new Set((await db.query<{ id: string }>('SELECT id FROM bookings WHERE id = ANY($1::text[])', [acceptedIds])).rows.map((r) => r.id));
  const lost = acceptedIds.filter((id) => !known.has(id));
  results.push({
    name: 'no accepted booking lost, every answer one a client can act on',
    detail: `${acceptedIds.length} accepted (202), ${ledger.retryLater} answered 503 + Retry-After, ${ledger.connectionErrors} connection errors retried, ${ledger.unanswered} burst requests unanswered (API killed)`,
    problems: [
      ...(lost.length > 0 ? [`${lost.length} accepted booking(s) missing: ${lost.slice(0, 3).join(', ')}`] : []),
      ...ledger.unexpected.slice(0, 5).map((u) => `HTTP ${u.status}: ${u.body}`),
      ...(ledger.unexpected.length > 5 ? [`... ${ledger.unexpected.length - 5} more unexpected answers`] : []),
      ...(ledger.abandoned.length > 0 ? [`${ledger.abandoned.length} request(s) never answered: ${ledger.abandoned.slice(0, 3).join(', ')}`] : []),
    ],
  });

  // No unit taken twice: each offer's availability is its capacity minus the units its confirmed bookings hold, and a
  // booking that did not confirm holds none.
  const offers = (
    await db.query<{ name: string; capacity: number; available: number; held: string; stranded: string }>(
      `SELECT o.name, o.capacity, o.available,
              coalesce(sum(r.quantity) FILTER (WHERE r.status = 'RESERVED' AND b.status = 'CONFIRMED'), 0) AS held,
              coalesce(sum(r.quantity) FILTER (WHERE r.status = 'RESERVED' AND b.status <> 'CONFIRMED'), 0) AS stranded
       FROM offers o LEFT JOIN reservations r ON r.offer_id = o.id LEFT JOIN bookings b ON b.id = r.booking_id
       GROUP BY o.id ORDER BY o.name`,
    )
  ).rows;
  results.push({
    name: 'availability = capacity - confirmed units',
    detail: offers.map((o) => `${o.name}: ${o.capacity - o.available}/${o.capacity} taken`).join('; '),
    problems: offers.flatMap((o) => [
      ...(o.capacity - o.available !== Number(o.held) ? [`${o.name}: capacity ${o.capacity} - available ${o.available} != ${o.held} units held by confirmed bookings`] : []),
      ...(Number(o.stranded) > 0 ? [`${o.name}: ${o.stranded} unit(s) still reserved by bookings that did not confirm`] : []),
    ]),
  });

  // Every outbox event on JetStream exactly once, and each booking's events in their order.
  const outbox = (await db.query<{ id: string; aggregate_id: string; sequence: number; published_at: Date | null }>('SELECT id, aggregate_id, sequence, published_at FROM outbox_events')).rows;
  const onStream = await readEventsStream(natsUrls, stream);
  const copies = new Map<string, number>();
  for (const event of onStream) copies.set(event.id, (copies.get(event.id) ?? 0) + 1);
  const outboxIds = new Set(outbox.map((e) => e.id));
  const missing = outbox.filter((e) => !copies.has(e.id));
  const duplicated = [...copies].filter(([, n]) => n > 1);
  const strangers = onStream.filter((e) => !outboxIds.has(e.id));
  const lastSeen = new Map<string, number>();
  const disorder: string[] = [];
  for (const event of onStream) {
    const previous = lastSeen.get(event.bookingId) ?? 0;
    if (event.bookingSequence !== previous + 1 && copies.get(event.id) === 1) disorder.push(`${event.bookingId}: #${event.bookingSequence} after #${previous}`);
    lastSeen.set(event.bookingId, Math.max(previous, event.bookingSequence));
  }
  const unpublished = outbox.filter((e) => !e.published_at).length;
  results.push({
    name: 'every outbox event on JetStream once, in order per booking',
    detail: `${outbox.length} outbox events, ${onStream.length} messages on ${stream}`,
    problems: [
      ...(missing.length > 0 ? [`${missing.length} event(s) not on the stream, e.g. ${missing[0]!.aggregate_id} #${missing[0]!.sequence}`] : []),
      ...(duplicated.length > 0 ? [`${duplicated.length} event(s) on the stream more than once, e.g. ${duplicated[0]![0]}`] : []),
      ...(strangers.length > 0 ? [`${strangers.length} message(s) on the stream with no outbox row`] : []),
      ...(unpublished > 0 ? [`${unpublished} event(s) not marked published`] : []),
      ...disorder.slice(0, 5).map((d) => `out of order: ${d}`),
    ],
  });

  // Each consumer's effect once: an inbox row per event and consumer (its primary key forbids two), nothing dead-lettered,
  // and the effects themselves: one summary per booking with its status, one email per applied event, a notification
  // of every booking's final status.
  const inbox = (await db.query<{ consumer: string; outcome: string; n: string }>('SELECT consumer, outcome, count(*) AS n FROM consumer_inbox GROUP BY consumer, outcome')).rows;
  const unapplied = (
    await db.query<{ consumer: string; n: string }>(
      `SELECT c.consumer, count(*) AS n FROM outbox_events o CROSS JOIN unnest($1::text[]) AS c(consumer)
       WHERE NOT EXISTS (SELECT 1 FROM consumer_inbox i WHERE i.consumer = c.consumer AND i.event_id = o.id) GROUP BY c.consumer`,
      [clusterConsumers],
    )
  ).rows;
  const summaryMismatch = await count(db, 'SELECT count(*) AS n FROM bookings b LEFT JOIN trip_summaries t ON t.booking_id = b.id WHERE t.status IS DISTINCT FROM b.status::text');
  const emails = await count(db, 'SELECT count(*) AS n FROM outgoing_emails');
  const notifierApplied = Number(inbox.find((r) => r.consumer === 'notifier' && r.outcome === 'applied')?.n ?? 0);
  const unnotified = await count(
    db,
    `SELECT count(*) AS n FROM bookings b WHERE NOT EXISTS (SELECT 1 FROM trip_notifications n WHERE n.booking_id = b.id AND n.status = b.status::text)`,
  );
  results.push({
    name: "each consumer's effect applied once",
    detail: clusterConsumers.map((c) => `${c}: ${inbox.filter((r) => r.consumer === c).map((r) => `${r.n} ${r.outcome}`).join(', ') || 'nothing'}`).join('; ') + `; ${emails} emails`,
    problems: [
      ...unapplied.map((u) => `${u.consumer}: ${u.n} event(s) never applied`),
      ...inbox.filter((r) => r.outcome === 'dead_lettered').map((r) => `${r.consumer}: ${r.n} event(s) dead-lettered`),
      ...(summaryMismatch > 0 ? [`${summaryMismatch} trip summar(ies) missing or with another status than the booking`] : []),
      ...(emails !== notifierApplied ? [`${emails} emails for ${notifierApplied} events the notifier applied`] : []),
      ...(unnotified > 0 ? [`${unnotified} booking(s) without a notification of their final status`] : []),
    ],
  });
  return results;
}
