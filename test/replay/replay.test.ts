import { readFile } from 'node:fs/promises';
import { DeterminismViolationError } from '@temporalio/workflow';
import { describe, expect, inject, it } from 'vitest';
import { listHistoryFiles, loadForReplay } from '../../src/replay/history-files.ts';
import { replayHistories } from '../../src/replay/replay-histories.ts';
import { testDataProtection } from '../support/data-protection.ts';
import '../support/quiet-temporal-logs.ts';
import { bundleWorkflowVariant } from './variant-bundle.ts';

// Every committed history, replayed against the workflow code of this working tree (the bundle global-setup built
// from workflows/). A change that would break a running saga fails here, before it ships.
const files = await listHistoryFiles();
const sets = [...new Set(files.map((file) => file.set))];
// Through the payload codec, as a worker replays them: the committed histories predate encryption, and the codec
// passes their unencrypted payloads through.
const { dataConverter } = await testDataProtection();
const currentCode = () => ({ workflowBundle: { codePath: inject('workflowBundlePath') }, dataConverter });

/** The kinds of run issue 5 asks every capture to cover, by scenario name (scripts/history-scenarios.ts). */
const requiredScenarios = [
  'confirmed',
  'compensated-at-flight',
  'compensated-at-hotel',
  'compensated-at-car',
  'cancelled-mid-saga',
  'cancelled-after-confirmation',
  'retried-step',
];

describe('committed histories', () => {
  it('exist, and every set covers each kind of run', () => {
    expect(sets.length).toBeGreaterThan(0);
    for (const set of sets) {
      const scenarios = files.filter((file) => file.set === set).map((file) => file.scenario);
      expect({ set, missing: requiredScenarios.filter((name) => !scenarios.includes(name)) }).toEqual({ set, missing: [] });
    }
  });

  it('were captured from real runs: each carries the SDK metadata a 1.24 worker records', async () => {
    // Core skips some determinism checks (e.g. activity types) for histories without these flags, so a hand-made
    // history could hide exactly the bug this suite is for.
    for (const file of files) {
      const { events } = JSON.parse(await readFile(file.path, 'utf8')) as { events: Record<string, any>[] };
      const flags = events.flatMap((event) => event.workflowTaskCompletedEventAttributes?.sdkMetadata?.coreUsedFlags ?? []);
      expect({ file: `${file.set}/${file.scenario}`, hasCoreFlags: flags.length > 0 }).toEqual({ file: `${file.set}/${file.scenario}`, hasCoreFlags: true });
      expect(events.at(-1)?.eventType).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED');
    }
  });

  it.each(sets)('%s: every history replays against the current workflow code', async (set) => {
    const inSet = files.filter((file) => file.set === set);
    const outcomes = await replayHistories(currentCode(), await Promise.all(inSet.map(loadForReplay)));
    // Listing each history with its error (or "ok") makes one failure name its file and reason in the report.
    expect(outcomes.map(({ workflowId, error }) => [workflowId, error ? `${error.name}: ${error.message}` : 'ok'])).toEqual(
      inSet.map((file) => [`${file.set}/${file.scenario}`, 'ok']),
    );
  });
});

describe('the replay suite can fail', () => {
  it('a saga reordered to reserve the hotel before the flight is rejected with DeterminismViolationError', async () => {
    const reordered = await bundleWorkflowVariant({ 'trip-plan.ts': new URL('./variants/hotel-before-flight.ts', import.meta.url) });
    const confirmed = files.filter((file) => file.scenario === 'confirmed');
    const outcomes = await replayHistories({ workflowBundle: reordered }, await Promise.all(confirmed.map(loadForReplay)));

    expect(outcomes).toHaveLength(confirmed.length);
    for (const { error } of outcomes) {
      expect(error).toBeInstanceOf(DeterminismViolationError);
      // The history's first step is the flight; the reordered code asks for the hotel first.
      expect(error?.message).toMatch(/Nondeterminism error: .*scheduled event 'reserve-flight' does not match .* command 'reserve-hotel'/);
    }
  });
});
