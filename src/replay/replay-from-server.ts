import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import type { HistoryAndWorkflowId } from '@temporalio/common';
import { replayHistories, type WorkflowCode } from './replay-histories.ts';

/** Recent sagas, open ones first (they are what a new worker must replay), then the most recently closed. */
export const defaultServerQuery = `WorkflowType = 'bookTrip'`;

export interface ServerRun {
  workflowId: string;
  runId: string;
  /** RUNNING, COMPLETED, ... as the server reported it when listed. */
  status: string;
  error?: Error;
}

/**
 * Fetches the histories of up to `limit` executions matching a visibility query and replays each against `code`.
 * Histories are fetched one at a time as the replayer asks for them, so a long list does not sit in memory.
 */
export async function replayRunsFromServer(client: Client, { query, limit, code }: { query: string; limit: number; code: WorkflowCode }): Promise<ServerRun[]> {
  const runs: WorkflowExecutionInfo[] = [];
  for await (const execution of client.workflow.list({ query, pageSize: Math.min(limit, 1000) })) {
    runs.push(execution);
    if (runs.length >= limit) break;
  }
  async function* histories(): AsyncGenerator<HistoryAndWorkflowId> {
    for (const run of runs) {
      yield { workflowId: run.workflowId, history: await client.workflow.getHandle(run.workflowId, run.runId).fetchHistory() };
    }
  }
  const outcomes = runs.length > 0 ? await replayHistories(code, histories()) : [];
  // One outcome per history, in the order they were fed.
  return runs.map((run, i) => ({ workflowId: run.workflowId, runId: run.runId, status: run.status.name, ...(outcomes[i]?.error ? { error: outcomes[i].error } : {}) }));
}
