import type { TimelineEntry } from './timeline-view.ts';

/**
 * A workflow history reduced to what a booking's timeline tells: read from Temporal by workflow-history.ts, turned
 * into entries here without I/O, so the unit tier can check it on histories written by hand.
 */
export type SagaHistoryEvent = { id: number; at: Date } & (
  | { type: 'started' }
  | { type: 'activity-scheduled'; activityId: string; activityType: string; summary?: string }
  | { type: 'activity-started'; scheduledId: number; attempt: number }
  | { type: 'activity-completed'; scheduledId: number }
  | { type: 'activity-failed' | 'activity-timed-out'; scheduledId: number; message: string }
  | { type: 'activity-cancelled'; scheduledId: number }
  | { type: 'update'; name: string }
  | { type: 'signal'; name: string }
  | { type: 'cancel-requested'; reason?: string }
  | { type: 'closed'; status: 'completed' | 'failed' | 'cancelled' | 'terminated' | 'timed-out' | 'continued-as-new'; message?: string }
);

/** Where the entries link to: the run in the Temporal Web UI. */
export interface SagaRun {
  temporalUiUrl: string;
  namespace: string;
  workflowId: string;
  runId: string;
}

/** The run's page in the Web UI, or one event of its history. */
export function temporalUiLink(run: SagaRun, eventId?: number): string {
  const base = `${run.temporalUiUrl}/namespaces/${encodeURIComponent(run.namespace)}/workflows/${encodeURIComponent(run.workflowId)}/${encodeURIComponent(run.runId)}/history`;
  return eventId === undefined ? base : `${base}/events/${eventId}`;
}

/**
 * The steps that undo an earlier one. The saga names them this way (workflows/book-trip.ts: `cancel-<kind>`,
 * `refund-payment`); a choreography has no activities, so this only ever reads the orchestration's history.
 */
const compensationTypes = new Set(['cancelFlight', 'cancelHotel', 'cancelCar', 'refundPayment']);

const closedTitles = {
  completed: 'Saga completed',
  failed: 'Saga failed',
  cancelled: 'Saga cancelled',
  terminated: 'Saga terminated',
  'timed-out': 'Saga timed out',
  'continued-as-new': 'Saga continued as new',
} as const;

/**
 * One entry per activity (scheduled, how many attempts, how it ended), and one per workflow event a reader cares
 * about: the start, a cancellation asked by update or signal, the close. Timers, workflow tasks and markers are the
 * machinery's, not the booking's story.
 */
export function sagaEntries(history: readonly SagaHistoryEvent[], run: SagaRun): TimelineEntry[] {
  const links = (id: number) => ({ temporalUi: temporalUiLink(run, id) });
  const steps = new Map<number, Extract<TimelineEntry, { kind: 'step' }>>();
  const entries: TimelineEntry[] = [];
  const stepOf = (scheduledId: number) => steps.get(scheduledId);

  for (const event of history) {
    switch (event.type) {
      case 'started':
        entries.push({ kind: 'workflow', source: 'temporal', at: event.at.toISOString(), title: 'Saga started', event: 'started', historyEventId: event.id, links: links(event.id) });
        break;
      case 'activity-scheduled': {
        const step: Extract<TimelineEntry, { kind: 'step' }> = {
          kind: 'step',
          source: 'temporal',
          at: event.at.toISOString(),
          title: event.summary ?? event.activityType,
          activityType: event.activityType,
          activityId: event.activityId,
          compensation: compensationTypes.has(event.activityType),
          outcome: 'running',
          attempts: 0,
          endedAt: null,
          historyEventId: event.id,
          links: links(event.id),
        };
        steps.set(event.id, step);
        entries.push(step);
        break;
      }
      case 'activity-started': {
        const step = stepOf(event.scheduledId);
        if (step) step.attempts = event.attempt;
        break;
      }
      case 'activity-completed':
      case 'activity-cancelled':
      case 'activity-failed':
      case 'activity-timed-out': {
        const step = stepOf(event.scheduledId);
        if (!step) break;
        step.outcome = ({ 'activity-completed': 'completed', 'activity-cancelled': 'cancelled', 'activity-failed': 'failed', 'activity-timed-out': 'timed-out' } as const)[event.type];
        step.endedAt = event.at.toISOString();
        if (event.type === 'activity-failed' || event.type === 'activity-timed-out') step.failure = event.message;
        break;
      }
      case 'update':
      case 'signal':
        entries.push({
          kind: 'workflow',
          source: 'temporal',
          at: event.at.toISOString(),
          title: `${event.type === 'update' ? 'Update' : 'Signal'} ${event.name} received`,
          event: event.type,
          historyEventId: event.id,
          links: links(event.id),
        });
        break;
      case 'cancel-requested':
        entries.push({
          kind: 'workflow',
          source: 'temporal',
          at: event.at.toISOString(),
          title: `Cancellation of the workflow requested${event.reason ? `: ${event.reason}` : ''}`,
          event: 'cancel-requested',
          historyEventId: event.id,
          links: links(event.id),
        });
        break;
      case 'closed':
        entries.push({
          kind: 'workflow',
          source: 'temporal',
          at: event.at.toISOString(),
          title: event.message ? `${closedTitles[event.status]}: ${event.message}` : closedTitles[event.status],
          event: event.status,
          historyEventId: event.id,
          links: links(event.id),
        });
        break;
    }
  }
  return entries;
}
