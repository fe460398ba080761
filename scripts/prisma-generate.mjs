// Generates the Prisma client without downloading Prisma's native schema engine, which `generate` does not use
// but the CLI fetches first (and that host is out of reach on some machines). A machine that has the engine keeps it.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const env = { ...process.env };
env.PRISMA_SCHEMA_ENGINE_BINARY ??= process.execPath;
const cli = require.resolve('prisma/build/index.js');
const run = spawnSync(process.execPath, [cli, 'generate'], { stdio: 'inherit', env });
process.exit(run.status ?? 1);
