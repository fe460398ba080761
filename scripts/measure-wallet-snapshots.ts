import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { type Database, openDatabase } from '../src/db/open-database.ts';
import { createThrowawayDatabase, defaultAdminDatabaseUrl } from '../src/db/throwaway-database.ts';
import { loadAggregate } from '../src/event-store/load-aggregate.ts';
import { executeWalletCommand } from '../src/wallet/wallet-commands.ts';
import { walletAggregate, walletStreamId } from '../src/wallet/wallet-stream.ts';
import type { WalletSettings } from '../src/wallet/wallet-settings.ts';

/**
 * `npm run wallet:measure`: what a snapshot saves when a wallet is loaded. One wallet of EVENTS events (default 1000:
 * the opening and deposits, written through the real command path with a snapshot every 50), then LOADS loads of it
 * with the snapshot (the snapshot plus the events after it) and without (every event), alternating, on a throwaway
 * database of the PostgreSQL server at TEST_PG_ADMIN_URL and on the embedded PGlite `npm start` uses.
 */
const events = Number(process.env.EVENTS ?? 1_000);
const loads = Number(process.env.LOADS ?? 40);
const settings: WalletSettings = { openingCredit: { amount: 0, currency: 'EUR' }, snapshotEvery: 50 };
const traveler = 'measure@example.com';

async function measure(label: string, db: Database) {
  const aggregate = walletAggregate(settings);
  const writeStart = performance.now();
  for (let i = 1; i < events; i += 1) {
    await db.prisma.$transaction((tx) =>
      executeWalletCommand(tx, settings, traveler, { type: 'Deposit', amount: { amount: 100, currency: 'EUR' } }, { recordedAt: new Date() }),
    );
  }
  const writeMs = performance.now() - writeStart;
  const streamId = walletStreamId(traveler);
  const timings = { snapshot: [] as number[], replay: [] as number[] };
  let check: unknown;
  for (let i = 0; i < loads + 5; i += 1) {
    for (const mode of ['snapshot', 'replay'] as const) {
      const start = performance.now();
      const loaded = await loadAggregate(db.prisma, aggregate, streamId, { useSnapshot: mode === 'snapshot' });
      const ms = performance.now() - start;
      if (i >= 5) timings[mode].push(ms); // the first loads warm the caches and the query plans
      if (mode === 'snapshot') check = { version: loaded.version, balance: loaded.state.balance, folded: loaded.eventsFolded };
      else if (loaded.state.balance !== (check as { balance: number }).balance) throw new Error('snapshot and replay disagree');
    }
  }
  const [bytes] = await db.prisma.$queryRaw<{ events: number; snapshot: number }[]>`
    SELECT (SELECT sum(pg_column_size(e.*))::int FROM stream_events e WHERE stream_id = ${streamId}) AS events,
           (SELECT pg_column_size(s.*)::int FROM stream_snapshots s WHERE stream_id = ${streamId}) AS snapshot`;
  const pct = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((values.length * p) / 100))]!.toFixed(2);
  console.log(`\n${label}: ${events} events written in ${(writeMs / 1000).toFixed(1)} s (${(writeMs / (events - 1)).toFixed(1)} ms per deposit); loaded:`, check);
  console.log(`  rows read: ${events} without a snapshot, 1 + ${(check as { folded: number }).folded} with; bytes on disk: events ${bytes?.events}, snapshot ${bytes?.snapshot}`);
  console.log('  | load | p50 ms | p95 ms |');
  console.log('  |---|---|---|');
  console.log(`  | snapshot + tail | ${pct(timings.snapshot, 50)} | ${pct(timings.snapshot, 95)} |`);
  console.log(`  | full replay | ${pct(timings.replay, 50)} | ${pct(timings.replay, 95)} |`);
}

const server = await createThrowawayDatabase('tripsaga_measure', process.env.TEST_PG_ADMIN_URL ?? defaultAdminDatabaseUrl);
try {
  const db = await openDatabase({ databaseUrl: server.url, dataDir: '', migrate: true, log: () => {} });
  try {
    await measure('PostgreSQL (local server)', db);
  } finally {
    await db.close();
  }
} finally {
  await server.drop();
}

const dataDir = await mkdtemp(path.join(os.tmpdir(), 'tripsaga-measure-'));
try {
  const db = await openDatabase({ dataDir, migrate: true, log: () => {} });
  try {
    await measure('PGlite (embedded, as npm start)', db);
  } finally {
    await db.close();
  }
} finally {
  await rm(dataDir, { recursive: true, force: true });
}
