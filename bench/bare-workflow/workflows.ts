import { proxyActivities } from '@temporalio/workflow';
import type { createNoopActivities } from './activities.ts';

const { noop } = proxyActivities<ReturnType<typeof createNoopActivities>>({ startToCloseTimeout: '10 seconds' });

/** The same number of activities the saga runs on its happy path (3 reserves + charge + confirm), each doing nothing. */
export const bareActivityCount = 5;

/** The engine's own ceiling: a workflow that costs only what Temporal itself costs. */
export async function bareWorkflow(): Promise<void> {
  for (let i = 0; i < bareActivityCount; i += 1) await noop();
}
