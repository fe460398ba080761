import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DeterminismViolationError } from '@temporalio/workflow';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type HistoryFile, historyFileContent, listHistoryFiles, loadForReplay } from '../../src/replay/history-files.ts';
import { replayHistories, type WorkflowCode } from '../../src/replay/replay-histories.ts';
import { chargeBeforeConfirm } from '../../workflows/patches.ts';
import { testDataProtection } from '../support/data-protection.ts';
import { type Harness, startHarness } from '../support/harness.ts';
import { bundleWorkflowVariant } from './variant-bundle.ts';

// The payment step is a versioned change: runs that started before it keep their old path, new runs take the new one,
// and the patch can be retired step by step. Each claim docs/changing-the-workflow.md makes about it is checked here.
const files = await listHistoryFiles();
const before = files.filter((file) => file.set === 'before-payment-step');
const after = files.filter((file) => file.set === 'with-payment-step');
// A worker replays through the payload codec: the run recorded below is encrypted, the committed ones are not.
const { dataConverter } = await testDataProtection();
const currentCode = (): WorkflowCode => ({ workflowBundle: { codePath: inject('workflowBundlePath') }, dataConverter });

type HistoryEvent = {
  eventType: string;
  activityTaskScheduledEventAttributes?: { activityId: string };
  markerRecordedEventAttributes?: { markerName: string; details?: Record<string, { payloads: { data: string }[] }> };
};

/** The patch markers a history holds, as core records them: `{ id, deprecated }`. */
function patchMarkers(events: HistoryEvent[]): { id: string; deprecated: boolean }[] {
  return events.flatMap(({ markerRecordedEventAttributes: marker }) =>
    marker?.markerName === 'core_patch'
      ? (marker.details?.['patch-data']?.payloads ?? []).map((p) => JSON.parse(Buffer.from(p.data, 'base64').toString()) as { id: string; deprecated: boolean })
      : [],
  );
}

const patchIds = (events: HistoryEvent[]) => patchMarkers(events).map((marker) => marker.id);

const scheduled = (events: HistoryEvent[]) => events.flatMap((e) => (e.activityTaskScheduledEventAttributes ? [e.activityTaskScheduledEventAttributes.activityId] : []));
const eventsOf = async (file: HistoryFile) => (JSON.parse(await readFile(file.path, 'utf8')) as { events: HistoryEvent[] }).events;
/** A run that got past its last reservation, to the point where the payment step was added. */
const reachedPayment = async (file: HistoryFile) => scheduled(await eventsOf(file)).some((id) => id === 'confirm' || id === 'charge-payment');
const describeOutcome = ({ workflowId, error }: { workflowId: string; error?: Error }) => [workflowId, error ? error.constructor.name : 'ok'];

describe(`the payment step behind patched('${chargeBeforeConfirm}')`, () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('a new run takes the new path: it records the patch marker and charges between the car and the confirmation', async () => {
    const offers = await h.tripOffers();
    const id = await h.book(h.request({ flight: offers.flight.id, hotel: offers.hotel.id, car: offers.car.id }));
    await h.waitForStatus(id, 'CONFIRMED');

    // The same JSON form as the committed files, so one reading of markers serves both.
    const { events } = JSON.parse(historyFileContent(await h.temporal.workflow.getHandle(id).fetchHistory())) as { events: HistoryEvent[] };
    expect(patchIds(events)).toEqual([chargeBeforeConfirm]);
    expect(scheduled(events)).toEqual(['reserve-flight', 'reserve-hotel', 'reserve-car', 'charge-payment', 'confirm']);
  });

  it('runs captured before the change replay against the new code, on the old path: no marker, no charge', async () => {
    expect(before.length).toBeGreaterThan(0);
    for (const file of before) {
      const events = await eventsOf(file);
      expect([file.scenario, patchIds(events), scheduled(events).includes('charge-payment')]).toEqual([file.scenario, [], false]);
    }
    const outcomes = await replayHistories(currentCode(), await Promise.all(before.map(loadForReplay)));
    expect(outcomes.map(describeOutcome)).toEqual(before.map((file) => [`${file.set}/${file.scenario}`, 'ok']));
  });

  it('runs captured after the change carry the marker wherever they reached the payment step, a declined charge included', async () => {
    expect(after.map((file) => file.scenario)).toContain('payment-declined');
    for (const file of after) {
      const events = await eventsOf(file);
      const reached = await reachedPayment(file);
      expect([file.scenario, patchIds(events), scheduled(events).includes('charge-payment')]).toEqual([
        file.scenario,
        reached ? [chargeBeforeConfirm] : [],
        reached,
      ]);
    }
  });
});

describe('retiring the patch (docs/changing-the-workflow.md)', () => {
  // The saga as it will read at each later step, built from the real code with `patched()` swapped:
  // step 2 calls deprecatePatch() and always charges; step 3 has no patch call and always charges.
  let step2Bundle: { code: string };
  let step2: WorkflowCode;
  let step3: WorkflowCode;
  beforeAll(async () => {
    step2Bundle = await bundleWorkflowVariant({ '@temporalio/workflow': new URL('./variants/patch-deprecated.ts', import.meta.url) });
    step2 = { workflowBundle: step2Bundle, dataConverter };
    step3 = {
      workflowBundle: await bundleWorkflowVariant({ '@temporalio/workflow': new URL('./variants/patch-removed.ts', import.meta.url) }),
      dataConverter,
    };
  });

  /** Each history's replay outcome, next to the outcome expected when only runs that reached the payment step break. */
  async function replayExpectingBreaksWherePaymentReached(code: WorkflowCode, histories: HistoryFile[]) {
    const outcomes = await replayHistories(code, await Promise.all(histories.map(loadForReplay)));
    const expected = await Promise.all(
      histories.map(async (file) => [`${file.set}/${file.scenario}`, (await reachedPayment(file)) ? DeterminismViolationError.name : 'ok']),
    );
    expect(expected.some(([, outcome]) => outcome !== 'ok')).toBe(true);
    return { actual: outcomes.map(describeOutcome), expected };
  }

  it('step 2, deprecatePatch(): replays every run of the patched code; breaks pre-change runs that reached the payment step', async () => {
    const fromPatchedCode = await replayHistories(step2, await Promise.all(after.map(loadForReplay)));
    expect(fromPatchedCode.map(describeOutcome)).toEqual(after.map((file) => [`${file.set}/${file.scenario}`, 'ok']));

    // So deploy step 2 only once no run started before the change is still open. A run that never got as far is unaffected.
    const { actual, expected } = await replayExpectingBreaksWherePaymentReached(step2, before);
    expect(actual).toEqual(expected);
  });

  it('step 3, no patch call: replays runs of the step-2 code; breaks runs of the patched code that took the payment step', async () => {
    const bundleDir = await mkdtemp(path.join(os.tmpdir(), 'tripsaga-step2-'));
    const bundlePath = path.join(bundleDir, 'workflows.js');
    await writeFile(bundlePath, step2Bundle.code);
    const h = await startHarness({ workflowBundlePath: bundlePath, cancellationWindow: '1 second' });
    let step2History;
    try {
      const offers = await h.tripOffers();
      const id = await h.book(h.request({ flight: offers.flight.id, hotel: offers.hotel.id, car: offers.car.id }));
      await h.temporal.workflow.getHandle(id).result();
      step2History = await h.temporal.workflow.getHandle(id).fetchHistory();
    } finally {
      await h.stop();
      await rm(bundleDir, { recursive: true, force: true });
    }
    const { events } = JSON.parse(historyFileContent(step2History)) as { events: HistoryEvent[] };
    expect(patchMarkers(events)).toEqual([{ id: chargeBeforeConfirm, deprecated: true }]);

    const step2Run = [{ workflowId: 'a run of the step-2 code', history: step2History }];
    expect((await replayHistories(step3, step2Run)).map(describeOutcome)).toEqual([['a run of the step-2 code', 'ok']]);
    // Steps 1 and 2 can run side by side, so a rollback from step 2 to step 1 is safe too.
    expect((await replayHistories(currentCode(), step2Run)).map(describeOutcome)).toEqual([['a run of the step-2 code', 'ok']]);

    // The markers step 1 wrote are not deprecated, and core refuses one that no patch call claims: deploy step 3 only
    // once every run started before step 2 is closed.
    const { actual, expected } = await replayExpectingBreaksWherePaymentReached(step3, after);
    expect(actual).toEqual(expected);
  });

  it('the same change shipped without patched() would have broken every pre-change run that reached the payment step', async () => {
    const { actual, expected } = await replayExpectingBreaksWherePaymentReached(step3, before);
    expect(actual).toEqual(expected);
  });
});
