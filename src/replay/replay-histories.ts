import type { HistoryAndWorkflowId } from '@temporalio/common';
import { type ReplayWorkerOptions, Worker } from '@temporalio/worker';
import { workflowTracingModules } from '../tracing/temporal-tracing.ts';

/**
 * The workflow code to replay against: a prebuilt bundle, or a workflows path to bundle now. With the payload codec
 * as `dataConverter` for histories from the server, which arrive encrypted; committed fixtures need none.
 */
export type WorkflowCode = Pick<ReplayWorkerOptions, 'workflowBundle' | 'workflowsPath' | 'bundlerOptions' | 'dataConverter'>;

export interface ReplayOutcome {
  workflowId: string;
  runId: string;
  /** A `DeterminismViolationError` when the code no longer matches the history; a `ReplayError` for other failures. */
  error?: Error;
}

/**
 * Replays every history against the code, one after another in a single replay worker, and reports each outcome.
 * It never stops at the first failure: a report that lists every broken history is what a reviewer needs.
 */
export async function replayHistories(
  code: WorkflowCode,
  histories: AsyncIterable<HistoryAndWorkflowId> | Iterable<HistoryAndWorkflowId>,
): Promise<ReplayOutcome[]> {
  const outcomes: ReplayOutcome[] = [];
  // Code bundled here gets Temporal's tracing interceptors, as a traced worker runs it (a prebuilt bundle has its own).
  const interceptors = code.workflowBundle ? {} : { interceptors: { workflowModules: workflowTracingModules } };
  for await (const { workflowId, runId, error } of Worker.runReplayHistories({ ...code, ...interceptors, replayName: 'tripsaga-replay' }, histories)) {
    outcomes.push({ workflowId, runId, ...(error ? { error } : {}) });
  }
  return outcomes;
}
