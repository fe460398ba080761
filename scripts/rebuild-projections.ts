import { loadConfig } from '../src/config.ts';
import { openDatabase } from '../src/db/open-database.ts';
import { rebuildWalletProjections } from '../src/wallet/projections/rebuild.ts';

/**
 * `npm run projections:rebuild -- wallet`: rebuilds the wallet's projections (wallet_summaries and
 * wallet_statement_entries) from the event store alone. On DATABASE_URL, or on the embedded database under
 * TRIPSAGA_DATA_DIR when `npm start` is not running (it holds that database while it runs).
 */
const rebuilders: Record<string, (db: Awaited<ReturnType<typeof openDatabase>>) => Promise<unknown>> = {
  wallet: (db) => rebuildWalletProjections(db.prisma, { log: console.log }),
};

const name = process.argv[2];
const rebuild = name ? rebuilders[name] : undefined;
if (!rebuild) {
  console.error(`usage: npm run projections:rebuild -- <${Object.keys(rebuilders).join('|')}>`);
  process.exit(2);
}
const config = loadConfig();
const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, migrate: config.migrateOnStart, log: console.log });
try {
  await rebuild(db);
} finally {
  await db.close();
}
