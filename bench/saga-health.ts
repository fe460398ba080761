import type { Client } from '@temporalio/client';
import proto from '@temporalio/proto';

const EventType = proto.temporal.api.enums.v1.EventType;

/**
 * What the histories of a sample of confirmed sagas say about how smoothly they ran: a saga that met a timeout or a
 * retry along the way still confirms (that is the point of it), so throughput alone would not show it.
 */
export interface SagaHealth {
  sampled: number;
  /** Extra attempts of activities (a step that timed out or failed transiently and was retried). */
  activityRetries: number;
  workflowTaskTimeouts: number;
  workflowTaskFailures: number;
}

export async function inspectSagaHistories(temporal: Client, workflowIds: readonly string[]): Promise<SagaHealth> {
  const health: SagaHealth = { sampled: 0, activityRetries: 0, workflowTaskTimeouts: 0, workflowTaskFailures: 0 };
  for (const workflowId of workflowIds) {
    const history = await temporal.workflow.getHandle(workflowId).fetchHistory().catch(() => undefined);
    if (!history) continue;
    health.sampled += 1;
    for (const event of history.events ?? []) {
      if (event.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED) {
        health.activityRetries += Math.max((event.activityTaskStartedEventAttributes?.attempt ?? 1) - 1, 0);
      } else if (event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT) {
        health.workflowTaskTimeouts += 1;
      } else if (event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED) {
        health.workflowTaskFailures += 1;
      }
    }
  }
  return health;
}
