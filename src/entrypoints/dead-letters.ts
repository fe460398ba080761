// `npm run dead-letters -- list | show ID | replay ID --consumer NAME | replay --all --consumer NAME`
// against the PostgreSQL database at DATABASE_URL (status-updates replays call the API at API_BASE_URL back).
import { loadConfig, requireSetting } from '../config.ts';
import { openDatabase } from '../db/open-database.ts';
import { runDeadLettersCommand } from '../operations/dead-letters-command.ts';
import { defaultConsumers } from '../pipeline/event-pipeline.ts';
import { choreographyConsumers } from '../choreography/services.ts';
import { systemClock } from '../lib/clock.ts';
import { walletPaymentMethod } from '../wallet/wallet-payment-method.ts';

const config = loadConfig();
const databaseUrl = requireSetting(config.databaseUrl, 'DATABASE_URL', 'the dead letters are in the consumers\' PostgreSQL database');
const db = await openDatabase({ databaseUrl, dataDir: config.dataDir, migrate: false });
try {
  // The choreographed services' dead letters too: replaying one is how a trip stuck behind it resumes.
  const choreography = choreographyConsumers({ clock: systemClock, payments: walletPaymentMethod(config.wallet) });
  const consumers = [...defaultConsumers({ apiBaseUrl: config.apiBaseUrl }), ...choreography];
  process.exitCode = await runDeadLettersCommand(process.argv.slice(2), db.prisma, consumers, {
    out: (line) => console.log(line),
    err: (line) => console.error(line),
  });
} finally {
  await db.close();
}
