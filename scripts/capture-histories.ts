// Captures real workflow histories for the replay suite:
//   npm run histories:capture -- <set>        e.g. npm run histories:capture -- with-payment-step
//
// Runs every scenario in scripts/history-scenarios.ts as a real saga (the Temporal dev server, a throwaway PostgreSQL
// database, a worker running the working tree's workflow code) and writes each closed run's history to
// test/replay/histories/<set>/<scenario>.json. A set is evidence of what one version of the code did: it is never
// overwritten, so name a new set after the change that made it necessary.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Context } from '@temporalio/activity';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { systemClock } from '../src/lib/clock.ts';
import { createActivities } from '../activities/index.ts';
import type { ReserveInput } from '../activities/types.ts';
import { type BookingService, createBookingService } from '../src/bookings/booking-service.ts';
import { captureManifestName, historiesDir, historyFileContent } from '../src/replay/history-files.ts';
import { temporalCliVersion } from '../src/temporal/cli.ts';
import { type ScenarioContext, scenarios } from './history-scenarios.ts';
import { startSandbox } from './support/sandbox.ts';

const log = (line: string) => console.log(`[capture] ${line}`);
const setName = process.argv[2] ?? '';
if (!/^[a-z0-9][a-z0-9-]*$/.test(setName)) {
  console.error('usage: npm run histories:capture -- <set>   (lowercase words and dashes, named for the code that runs)');
  process.exit(1);
}
const outDir = path.join(historiesDir, setName);
if (existsSync(outDir)) {
  console.error(`${path.relative(process.cwd(), outDir)} exists: committed histories are never overwritten; pick a new set name`);
  process.exit(1);
}

// Scenarios fail activities on purpose (sold out, a lost connection); the worker's warnings about them are noise here.
Runtime.install({ logger: new DefaultLogger('ERROR') });
const started = Date.now();
const flakyHotelOffers = new Set<string>();
let real: ReturnType<typeof createActivities> | undefined;
// Committed fixtures are kept readable without keys: the payload codec passes unencrypted payloads through, so the
// replay suite also proves that histories from before encryption still replay.
const sandbox = await startSandbox(log, {
  plaintextPayloads: true,
  activities: {
    // The hotel step of a "retried-step" run commits, then loses its connection: Temporal retries it.
    reserveHotel: async (input: ReserveInput) => {
      real ??= createActivities({ prisma: sandbox.prisma });
      const receipt = await real.reserveHotel(input);
      if (flakyHotelOffers.has(input.offerId) && Context.current().info.attempt === 1) {
        throw new Error('ECONNRESET: connection lost after commit');
      }
      return receipt;
    },
  },
});
try {
  const services = new Map<string, BookingService>();
  const ctx: ScenarioContext = {
    temporal: sandbox.temporal,
    offers: sandbox.offers,
    databaseUrl: sandbox.databaseUrl,
    flakyHotelOffers,
    bookingsWithWindow(cancellationWindow) {
      let service = services.get(cancellationWindow);
      if (!service) {
        const { prisma, temporal, taskQueue } = sandbox;
        service = createBookingService({
          prisma,
          temporal,
          taskQueue,
          clock: systemClock,
          temporalUiUrl: 'http://localhost:8233',
          cancellationWindow,
          travelerPseudonym: sandbox.protection.travelerPseudonym,
        });
        services.set(cancellationWindow, service);
      }
      return service;
    },
  };

  log(`running ${scenarios.length} sagas`);
  const runs = await Promise.all(scenarios.map(async (scenario) => ({ scenario, workflowId: await scenario.run(ctx) })));

  await mkdir(outDir, { recursive: true });
  try {
    for (const { scenario, workflowId } of runs) {
      const handle = sandbox.temporal.workflow.getHandle(workflowId);
      const { status } = await handle.describe();
      if (status.name !== 'COMPLETED') throw new Error(`${scenario.name}: ${workflowId} is ${status.name}, not COMPLETED`);
      await writeFile(path.join(outDir, `${scenario.name}.json`), historyFileContent(await handle.fetchHistory()));
    }
    await writeFile(path.join(outDir, captureManifestName), `${JSON.stringify(manifest(runs), null, 2)}\n`);
  } catch (error) {
    await rm(outDir, { recursive: true, force: true }); // never leave a partial set behind
    throw error;
  }
  log(`wrote ${runs.length} histories to ${path.relative(process.cwd(), outDir)} in ${Math.round((Date.now() - started) / 1000)} s`);
} finally {
  await sandbox.close();
}

/** Where the set came from: the commit whose workflow code ran, and what each history shows. */
function manifest(runs: { scenario: (typeof scenarios)[number]; workflowId: string }[]) {
  const git = (...args: string[]) => execFileSync('git', args, { encoding: 'utf8' }).trim();
  return {
    capturedAt: new Date().toISOString(),
    gitCommit: git('rev-parse', 'HEAD'),
    uncommittedWorkflowChanges: git('status', '--porcelain', '--', 'workflows', 'activities') !== '',
    temporalCli: temporalCliVersion,
    scenarios: Object.fromEntries(runs.map(({ scenario, workflowId }) => [scenario.name, { workflowId, shows: scenario.shows }])),
  };
}
