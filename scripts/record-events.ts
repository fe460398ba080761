import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { toCloudEvent } from '../src/events/cloud-event.ts';
import { startSandbox } from './support/sandbox.ts';
import { runTripScenarios } from './support/trip-scenarios.ts';
import { runWalletScenarios } from './support/wallet-scenarios.ts';

/**
 * `npm run events:record -- <dir> [--wallets]`: runs real sagas and writes each trip's outbox events, as the relay
 * publishes them (CloudEvents), to <dir>/<scenario>.json; with --wallets, a wallet's events instead (deposit, charge,
 * refund). Run it on the code *before* a schema change, commit the output as test fixtures, and the upcasters are
 * then tested on events that code really wrote.
 */
const outDir = process.argv[2];
if (!outDir || outDir.startsWith('--')) {
  console.error('usage: npm run events:record -- <output dir> [--wallets]');
  process.exit(2);
}

const commit = execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src', 'activities', 'workflows'], { encoding: 'utf8' }).trim() !== '';
const sandbox = await startSandbox((line) => console.log(line));
try {
  const trips = process.argv.includes('--wallets') ? await runWalletScenarios(sandbox) : await runTripScenarios(sandbox);
  await mkdir(outDir, { recursive: true });
  for (const [scenario, aggregateId] of Object.entries(trips)) {
    const events = (await sandbox.events(aggregateId)).map(toCloudEvent);
    const file = path.join(outDir, `${scenario}.json`);
    const recordedFrom = `${commit}${dirty ? ' (with uncommitted changes)' : ''}`;
    await writeFile(file, `${JSON.stringify({ recordedFrom, scenario, events }, null, 2)}\n`);
    console.log(`${file}: ${events.length} events`);
  }
} finally {
  await sandbox.close();
}
