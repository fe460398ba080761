import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import type { SagaHistoryEvent } from './saga-history.ts';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
type Timestamp = { seconds?: { toString(): string } | number | null; nanos?: number | null } | null | undefined;

export type SagaRunHistory =
  | { state: 'found'; runId: string; status: string; events: SagaHistoryEvent[] }
  | { state: 'none' }
  | { state: 'unavailable'; reason: string };

/**
 * The history of the workflow whose id is the booking's, if there is one. It is asked, never assumed: a booking that
 * never reached its saga, or one coordinated by events alone, has no workflow, and its timeline is the database's.
 * Temporal not answering in time is not an error of the timeline either: it says so and shows the rest.
 */
export async function readSagaHistory(temporalClient: Client, workflowId: string, timeoutMs = 3_000): Promise<SagaRunHistory> {
  try {
    return await temporalClient.withDeadline(Date.now() + timeoutMs, async () => {
      const description = await temporalClient.workflow.getHandle(workflowId).describe();
      const history = await temporalClient.workflow.getHandle(workflowId, description.runId).fetchHistory();
      const decodeSummary = summaryDecoder(temporalClient);
      const events: SagaHistoryEvent[] = [];
      for (const event of history.events ?? []) {
        const read = await readEvent(event, decodeSummary);
        if (read) events.push(read);
      }
      return { state: 'found' as const, runId: description.runId, status: description.status.name, events };
    });
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return { state: 'none' };
    return { state: 'unavailable', reason: (error as Error).message };
  }
}

/** Summaries pass through the client's codec like every payload (they are encrypted at rest by ours). */
function summaryDecoder(temporalClient: Client) {
  const { payloadConverter, payloadCodecs } = temporalClient.options.loadedDataConverter;
  return async (payload: Payload | null | undefined): Promise<string | undefined> => {
    if (!payload) return undefined;
    try {
      let payloads = [payload];
      for (const codec of [...payloadCodecs].reverse()) payloads = await codec.decode(payloads);
      const summary: unknown = payloadConverter.fromPayload(payloads[0]!);
      return typeof summary === 'string' ? summary : undefined;
    } catch {
      return undefined; // a key no longer in the ring: the activity type stands in
    }
  };
}

const toNumber = (value: { toString(): string } | number | null | undefined) => Number(value?.toString() ?? 0);

function toDate(ts: Timestamp): Date {
  return new Date(toNumber(ts?.seconds) * 1000 + Math.floor((ts?.nanos ?? 0) / 1e6));
}

async function readEvent(event: HistoryEvent, decodeSummary: (p: Payload | null | undefined) => Promise<string | undefined>): Promise<SagaHistoryEvent | undefined> {
  const base = { id: toNumber(event.eventId), at: toDate(event.eventTime) };
  if (event.workflowExecutionStartedEventAttributes) return { ...base, type: 'started' };
  const scheduled = event.activityTaskScheduledEventAttributes;
  if (scheduled) {
    const summary = await decodeSummary(event.userMetadata?.summary as Payload | null | undefined);
    return { ...base, type: 'activity-scheduled', activityId: scheduled.activityId ?? '', activityType: scheduled.activityType?.name ?? '', ...(summary ? { summary } : {}) };
  }
  const started = event.activityTaskStartedEventAttributes;
  if (started) return { ...base, type: 'activity-started', scheduledId: toNumber(started.scheduledEventId), attempt: started.attempt ?? 1 };
  const completed = event.activityTaskCompletedEventAttributes;
  if (completed) return { ...base, type: 'activity-completed', scheduledId: toNumber(completed.scheduledEventId) };
  const failed = event.activityTaskFailedEventAttributes;
  if (failed) return { ...base, type: 'activity-failed', scheduledId: toNumber(failed.scheduledEventId), message: failed.failure?.message ?? '' };
  const timedOut = event.activityTaskTimedOutEventAttributes;
  if (timedOut) return { ...base, type: 'activity-timed-out', scheduledId: toNumber(timedOut.scheduledEventId), message: timedOut.failure?.message ?? 'timed out' };
  const cancelled = event.activityTaskCanceledEventAttributes;
  if (cancelled) return { ...base, type: 'activity-cancelled', scheduledId: toNumber(cancelled.scheduledEventId) };
  const update = event.workflowExecutionUpdateAcceptedEventAttributes;
  if (update) return { ...base, type: 'update', name: update.acceptedRequest?.input?.name ?? 'update' };
  const signal = event.workflowExecutionSignaledEventAttributes;
  if (signal) return { ...base, type: 'signal', name: signal.signalName ?? 'signal' };
  const cancelRequested = event.workflowExecutionCancelRequestedEventAttributes;
  if (cancelRequested) return { ...base, type: 'cancel-requested', ...(cancelRequested.cause ? { reason: cancelRequested.cause } : {}) };
  if (event.workflowExecutionCompletedEventAttributes) return { ...base, type: 'closed', status: 'completed' };
  const workflowFailed = event.workflowExecutionFailedEventAttributes;
  if (workflowFailed) return { ...base, type: 'closed', status: 'failed', message: workflowFailed.failure?.message ?? '' };
  if (event.workflowExecutionCanceledEventAttributes) return { ...base, type: 'closed', status: 'cancelled' };
  const terminated = event.workflowExecutionTerminatedEventAttributes;
  if (terminated) return { ...base, type: 'closed', status: 'terminated', ...(terminated.reason ? { message: terminated.reason } : {}) };
  if (event.workflowExecutionTimedOutEventAttributes) return { ...base, type: 'closed', status: 'timed-out' };
  if (event.workflowExecutionContinuedAsNewEventAttributes) return { ...base, type: 'closed', status: 'continued-as-new' };
  return undefined;
}
