// `npm run soak -- --minutes N [--trips-per-second R] [--prune-after 30s] [--stream-max-age 30s]`: a steady load
// through the relay and consumers processes (each its own process, as deployed), their prune job on, and every 30 s
// the sizes of the tables that would grow with traffic and the RSS of each process. Flat columns are the point.
//
// The load is copies of a recorded trip (test/fixtures/recorded-events: confirmed, then cancelled), committed straight
// into the outbox at a fixed rate, each booking's events in order, then its bookings row as CANCELLED (what the saga's
// last step leaves); the pipeline cannot tell them from a saga's. With the events stream's age limit short, the prune
// job forgets each settled booking within the run (src/retention/prune.ts).
// A throwaway database on the shared PostgreSQL, a subject root of its own on the NATS server at NATS_URL.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import pg from 'pg';
import { applyMigrations, pgExecutor } from '../src/db/migrations.ts';
import { createThrowawayDatabase } from '../src/db/throwaway-database.ts';
import { natsTopology } from '../src/transport/jetstream/topology.ts';
import { readProcessUsage } from './proc-stats.ts';

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1]! : fallback);
const minutes = Number(option('minutes', '10'));
const tripsPerSecond = Number(option('trips-per-second', '2'));
const pruneAfter = option('prune-after', '30s');
// Long enough that the consumers, on a busy machine, never fall that far behind: an event that ages out before they
// took it is lost to them (its booking's later events wait for it, then are dead-lettered).
const streamMaxAge = option('stream-max-age', '2m');
const sampleEveryMs = Number(option('sample-seconds', '30')) * 1000;
const natsUrl = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const repoRoot = path.resolve(import.meta.dirname, '..');

const recording = JSON.parse(readFileSync(path.join(repoRoot, 'test/fixtures/recorded-events/before-v2/confirmed-then-cancelled.json'), 'utf8')) as {
  events: { type: string; subject: string; dataschema: string; data: unknown }[];
};
const template = recording.events.map((e, i) => ({
  sequence: i + 1,
  type: e.type,
  version: Number(/:v(\d+)$/.exec(e.dataschema)?.[1] ?? 1),
  data: JSON.stringify(e.data).replaceAll(e.subject, '__BOOKING__'),
}));

const database = await createThrowawayDatabase('tripsaga_soak', process.env.SOAK_ADMIN_URL);
const root = `soak-${randomBytes(4).toString('hex')}`;
const children: { name: string; child: ChildProcess }[] = [];
/** The JavaScript heap in use of each process, as its memory probe last reported it. */
const heaps = new Map<string, number>();
const pool = new pg.Pool({ connectionString: database.url, max: 4, application_name: 'tripsaga-soak-writer' });
const stopping = new AbortController();

try {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  await applyMigrations(pgExecutor(client), { log: () => {} });
  await client.end();

  const env = { ...process.env, DATABASE_URL: database.url, NATS_URL: natsUrl, NATS_SUBJECT_ROOT: root, MIGRATE_ON_START: 'false', PRUNE_AFTER: pruneAfter, PRUNE_EVERY: '15s', NATS_STREAM_MAX_AGE: streamMaxAge };
  for (const name of ['relay', 'consumers']) {
    const child = spawn(process.execPath, ['--import', 'tsx', '--import', './bench/memory-probe.ts', `src/entrypoints/${name}.ts`], { cwd: repoRoot, env, stdio: ['ignore', 'ignore', 'pipe'] });
    children.push({ name, child });
    // The probe's lines feed the heap column; anything else the process says goes on to our stderr.
    createInterface({ input: child.stderr! }).on('line', (line) => {
      if (line.startsWith('soak-memory ')) heaps.set(name, (JSON.parse(line.slice('soak-memory '.length)) as { heapUsed: number }).heapUsed);
      else console.error(`[${name}] ${line}`);
    });
  }

  console.log(`soak: ${minutes} min, ${tripsPerSecond} trips/s x ${template.length} events, prune after ${pruneAfter} (every 15 s), stream max age ${streamMaxAge}; database ${database.name}, subjects ${root}.*`);
  const header = ['min', 'trips', 'outbox rows', 'outbox MiB', 'inbox rows', 'inbox MiB', 'of it table MiB', 'watermarks', 'marks MiB', 'lag events', 'dead letters+held', 'stream msgs', ...children.map((c) => `${c.name} RSS MiB`), ...children.map((c) => `${c.name} heap MiB`), 'load 1m'];
  console.log(header.join('\t'));

  const nc = await connect({ servers: natsUrl });
  const jsm = await jetstreamManager(nc);
  const topology = natsTopology(root);
  // The load starts once the relay and the consumers have created the stream and their durable consumers.
  while ((await jsm.consumers.list(topology.eventsStream).next().catch(() => [])).length < 2) await sleep(500);
  const startedAt = Date.now();
  let trips = 0;
  const writer = (async () => {
    const started = performance.now();
    while (!stopping.signal.aborted) {
      const due = started + (trips * 1000) / tripsPerSecond;
      if (due > performance.now()) await sleep(due - performance.now(), undefined, { signal: stopping.signal }).catch(() => {});
      if (stopping.signal.aborted) break;
      const bookingId = `bk_${randomUUID()}`;
      trips += 1;
      void (async () => {
        for (const e of template) {
          await pool.query(
            `INSERT INTO outbox_events (id, aggregate_type, aggregate_id, sequence, type, schema_version, data, occurred_at)
             VALUES (gen_random_uuid(), 'booking', $1, $2, $3, $4, $5::jsonb, clock_timestamp())`,
            [bookingId, e.sequence, e.type, e.version, e.data.replaceAll('__BOOKING__', bookingId)],
          );
        }
        await pool.query(
          `INSERT INTO bookings (id, status, traveler_name, traveler_email, request, updated_at)
           VALUES ($1, 'CANCELLED', 'Soak Traveler', 'soak@example.com', '{}'::jsonb, clock_timestamp())`,
          [bookingId],
        );
      })().catch((error: Error) => console.error(`soak writer: ${error.message}`));
    }
  })();

  const sample = async () => {
    const { rows } = await pool.query<Record<string, string>>(`SELECT
      (SELECT count(*) FROM outbox_events) AS outbox, pg_total_relation_size('outbox_events') AS outbox_bytes,
      (SELECT count(*) FROM consumer_inbox) AS inbox, pg_total_relation_size('consumer_inbox') AS inbox_bytes, pg_relation_size('consumer_inbox') AS inbox_table_bytes,
      (SELECT count(*) FROM consumer_inbox WHERE outcome IN ('dead_lettered', 'held')) AS unsettled,
      (SELECT count(*) FROM consumer_inbox_watermarks) AS marks, pg_total_relation_size('consumer_inbox_watermarks') AS marks_bytes`);
    const r = rows[0]!;
    let lag = 0;
    for await (const info of jsm.consumers.list(topology.eventsStream)) lag += info.num_pending + info.num_ack_pending;
    const { state } = await jsm.streams.info(topology.eventsStream);
    const rss = await Promise.all(children.map(async (c) => ((await readProcessUsage(c.child.pid!))?.rssBytes ?? Number.NaN) / 2 ** 20));
    const mib = (bytes: string) => (Number(bytes) / 2 ** 20).toFixed(2);
    console.log([((Date.now() - startedAt) / 60_000).toFixed(1), trips, r.outbox, mib(r.outbox_bytes!), r.inbox, mib(r.inbox_bytes!), mib(r.inbox_table_bytes!), r.marks, mib(r.marks_bytes!), lag, r.unsettled, state.messages, ...rss.map((m) => m.toFixed(0)), ...children.map((c) => ((heaps.get(c.name) ?? Number.NaN) / 2 ** 20).toFixed(0)), os.loadavg()[0]!.toFixed(2)].join('\t'));
  };
  while (Date.now() - startedAt < minutes * 60_000) {
    await sample().catch((error: Error) => console.error(`soak sample: ${error.message}`));
    await sleep(Math.min(sampleEveryMs, Math.max(0, startedAt + minutes * 60_000 - Date.now())));
  }
  await sample().catch(() => {});
  stopping.abort();
  await writer;
  await nc.close();
} finally {
  stopping.abort();
  for (const { child } of children) child.kill('SIGTERM');
  await Promise.all(children.map(({ child }) => (child.exitCode === null ? new Promise((resolve) => child.once('exit', resolve)) : undefined)));
  await pool.end();
  await database.drop().catch((error: Error) => console.error(`soak: could not drop ${database.name}: ${error.message}`));
  const nc = await connect({ servers: natsUrl }).catch(() => undefined);
  if (nc) {
    const jsm = await jetstreamManager(nc);
    const topology = natsTopology(root);
    for (const stream of [topology.eventsStream, topology.deadLetterStream]) await jsm.streams.delete(stream).catch(() => {});
    await nc.close();
  }
}
