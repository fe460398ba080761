// `npm run prune [-- --older-than 7d]`: one prune round over the outbox and the inboxes of the PostgreSQL database at
// DATABASE_URL (what it keeps, and why: src/retention/prune.ts). The relay and consumers processes run it themselves.
import { loadConfig, requireSetting } from '../config.ts';
import { openDatabase } from '../db/open-database.ts';
import { pruneAfterMs, pruneOnce } from '../retention/prune.ts';

const config = loadConfig();
const args = process.argv.slice(2);
const flag = args.indexOf('--older-than');
const olderThanMs = flag >= 0 ? pruneAfterMs(args[flag + 1], '--older-than') : config.retention.pruneAfterMs;
if (olderThanMs === undefined) {
  console.log('PRUNE_AFTER is off: nothing pruned');
  process.exit(0);
}
const databaseUrl = requireSetting(config.databaseUrl, 'DATABASE_URL', 'the outbox and the inboxes are in PostgreSQL');
const db = await openDatabase({ databaseUrl, dataDir: config.dataDir, migrate: false });
try {
  const report = await pruneOnce(db.prisma, { olderThanMs });
  console.log(`pruned ${report.outbox} outbox row(s) and ${report.inbox} inbox row(s) settled more than ${olderThanMs / 1000} s ago`);
} finally {
  await db.close();
}
