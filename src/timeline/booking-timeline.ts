import type { Client } from '@temporalio/client';
import type { Db } from '../db/prisma.ts';
import { BookingError } from '../bookings/errors.ts';
import { type SagaRun, sagaEntries, temporalUiLink } from './saga-history.ts';
import { timelineEntries } from './timeline-entries.ts';
import type { BookingTimeline, WorkflowState } from './timeline-view.ts';
import { readSagaHistory } from './workflow-history.ts';
import { defaultTracingUiUrl, traceIdOf } from '../tracing/index.ts';

export interface BookingTimelineDependencies {
  prisma: Db;
  temporal: Client;
  temporalUiUrl: string;
  /** The trace viewer, for the link to the booking's trace (TRACING_UI_URL). */
  tracingUiUrl?: string;
}

/**
 * A booking's timeline, from the records every coordination of the saga leaves: the booking row and its
 * Idempotency-Key (the request), its outbox rows (what it announced, and where the broker put each), the consumers'
 * inbox rows (who applied what), and, when a workflow has the booking's id, that workflow's history. Nothing here
 * asks which coordination a booking has: a booking without a workflow simply has no saga entries.
 */
export function createBookingTimeline({ prisma, temporal, temporalUiUrl, tracingUiUrl = defaultTracingUiUrl }: BookingTimelineDependencies) {
  return {
    async timelineOf(bookingId: string): Promise<BookingTimeline> {
      const booking = await prisma.booking.findUnique({ where: { id: bookingId }, include: { idempotencyKey: { select: { key: true } } } });
      if (!booking) throw new BookingError('booking_not_found', 'No such booking');
      const [outbox, inbox, history] = await Promise.all([
        prisma.outboxEvent.findMany({ where: { aggregateId: bookingId }, orderBy: { position: 'asc' } }),
        prisma.consumerInboxEvent.findMany({ where: { bookingId }, orderBy: [{ sequence: 'asc' }, { consumer: 'asc' }] }),
        readSagaHistory(temporal, bookingId),
      ]);
      let workflow: WorkflowState;
      let saga: ReturnType<typeof sagaEntries> = [];
      if (history.state === 'found') {
        const run: SagaRun = { temporalUiUrl, namespace: temporal.options.namespace, workflowId: bookingId, runId: history.runId };
        workflow = { state: 'found', workflowId: bookingId, runId: history.runId, status: history.status, url: temporalUiLink(run) };
        saga = sagaEntries(history.events, run);
      } else {
        workflow = history;
      }
      // The trace its events were written in (the same one GET /bookings/:id names).
      const traceId = traceIdOf(outbox.find((row) => row.traceparent)?.traceparent);
      return {
        bookingId,
        status: booking.status,
        workflow,
        ...(traceId ? { trace: { traceId, url: `${tracingUiUrl}/trace/${traceId}` } } : {}),
        entries: timelineEntries({
          booking: { id: booking.id, createdAt: booking.createdAt, idempotencyKey: booking.idempotencyKey?.key ?? null },
          outbox,
          inbox,
          saga,
        }),
      };
    },
  };
}

export type BookingTimelineService = ReturnType<typeof createBookingTimeline>;
