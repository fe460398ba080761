import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/harness.ts';
import { bundleWorkflowVariant } from './variant-bundle.ts';

// `npm run histories:replay-from-server` against a live server, as a developer runs it before deploying: one saga ran
// on the code of this working tree, the other on a worker whose code reserved the hotel first (a deployed version
// that differs from the tree). The script must pass the first and name the second.
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
let current: Harness;
let divergent: Harness;
let bundleDir: string;

beforeAll(async () => {
  bundleDir = await mkdtemp(path.join(os.tmpdir(), 'tripsaga-divergent-'));
  const bundlePath = path.join(bundleDir, 'workflows.js');
  const { code } = await bundleWorkflowVariant({ 'trip-plan.ts': new URL('./variants/hotel-before-flight.ts', import.meta.url) });
  await writeFile(bundlePath, code);
  [current, divergent] = await Promise.all([
    startHarness({ cancellationWindow: '1 second' }),
    startHarness({ cancellationWindow: '1 second', workflowBundlePath: bundlePath }),
  ]);
});
afterAll(async () => {
  await Promise.all([current?.stop(), divergent?.stop()]);
  if (bundleDir) await rm(bundleDir, { recursive: true, force: true });
});

async function completedTrip(h: Harness) {
  const offers = await h.tripOffers();
  const id = await h.book(h.request({ flight: offers.flight.id, hotel: offers.hotel.id, car: offers.car.id }));
  await h.temporal.workflow.getHandle(id).result();
  return id;
}

function replayFromServer(query: string): Promise<{ exitCode: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'scripts/replay-from-server.ts', '--query', query, '--limit', '10'],
      { cwd: repoRoot, env: { ...process.env, TEMPORAL_ADDRESS: current.temporalAddress } },
      (error, stdout, stderr) => resolve({ exitCode: error ? Number(error.code ?? 1) : 0, output: `${stdout}${stderr}` }),
    );
  });
}

it('replays the runs a visibility query finds: passes the ones this code can replay, names the ones it would break', async () => {
  const [fine, broken] = await Promise.all([completedTrip(current), completedTrip(divergent)]);
  const both = `TaskQueue = '${current.taskQueue}' OR TaskQueue = '${divergent.taskQueue}'`;
  // Visibility is eventually consistent: wait until the server lists both runs.
  for (let tries = 0; (await current.temporal.workflow.count(both)).count < 2; tries += 1) {
    if (tries > 100) throw new Error('the runs never showed up in visibility');
    await sleep(100);
  }

  const [onlyFine, mixed] = await Promise.all([replayFromServer(`TaskQueue = '${current.taskQueue}'`), replayFromServer(both)]);

  expect(onlyFine.output).toMatch(new RegExp(`${fine}\\s+COMPLETED\\s+ok`));
  expect(onlyFine.output).toMatch(/All 1 runs replay with this code/);
  expect(onlyFine.exitCode).toBe(0);

  expect(mixed.output).toMatch(new RegExp(`${fine}\\s+COMPLETED\\s+ok`));
  expect(mixed.output).toMatch(
    new RegExp(`${broken}\\s+COMPLETED\\s+BREAKS  nondeterminism: .*scheduled event 'reserve-hotel' does not match .* command 'reserve-flight'`),
  );
  expect(mixed.output).toMatch(/1 of 2 runs would break with this code/);
  expect(mixed.exitCode).toBe(1);
}, 90_000);
