import { describe, expect, it } from 'vitest';
import { type SagaHistoryEvent, type SagaRun, sagaEntries, temporalUiLink } from '../../src/timeline/saga-history.ts';
import { inboxEntry, inTimeOrder, outboxEntry, requestEntry, timelineEntries } from '../../src/timeline/timeline-entries.ts';
import { bookingTimelineSchema, type TimelineEntry } from '../../src/timeline/timeline-view.ts';

// The timeline's assembly, on records written by hand: no database, no Temporal.

const run: SagaRun = { temporalUiUrl: 'http://localhost:8233', namespace: 'default', workflowId: 'bk_1', runId: 'run-1' };
const t = (ms: number) => new Date(Date.UTC(2026, 11, 1, 10, 0, 0, ms));
const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

describe("a saga's history as timeline entries", () => {
  const compensated: SagaHistoryEvent[] = [
    { id: 1, at: t(0), type: 'started' },
    { id: 5, at: t(10), type: 'activity-scheduled', activityId: 'reserve-flight', activityType: 'reserveFlight', summary: 'Reserve flight TP123 ×2' },
    { id: 6, at: t(11), type: 'activity-started', scheduledId: 5, attempt: 3 },
    { id: 7, at: t(40), type: 'activity-completed', scheduledId: 5 },
    { id: 11, at: t(50), type: 'activity-scheduled', activityId: 'reserve-car', activityType: 'reserveCar' },
    { id: 12, at: t(51), type: 'activity-started', scheduledId: 11, attempt: 1 },
    { id: 13, at: t(52), type: 'activity-failed', scheduledId: 11, message: 'Compact is sold out' },
    { id: 17, at: t(60), type: 'activity-scheduled', activityId: 'cancel-flight', activityType: 'cancelFlight', summary: 'Cancel flight TP123 ×2 (compensation)' },
    { id: 18, at: t(61), type: 'activity-started', scheduledId: 17, attempt: 1 },
    { id: 19, at: t(62), type: 'activity-completed', scheduledId: 17 },
    { id: 23, at: t(70), type: 'closed', status: 'completed' },
  ];

  it('makes one entry per step, with its attempts, outcome, failure and link, and marks the compensations', () => {
    const entries = sagaEntries(compensated, run);
    expect(entries.map((e) => e.title)).toEqual(['Saga started', 'Reserve flight TP123 ×2', 'reserveCar', 'Cancel flight TP123 ×2 (compensation)', 'Saga completed']);
    expect(entries[1]).toMatchObject({ kind: 'step', outcome: 'completed', attempts: 3, compensation: false, endedAt: t(40).toISOString(), at: t(10).toISOString() });
    expect(entries[2]).toMatchObject({ kind: 'step', outcome: 'failed', failure: 'Compact is sold out', attempts: 1 });
    expect(entries[3]).toMatchObject({ kind: 'step', compensation: true, outcome: 'completed' });
    expect(entries[1]).toMatchObject({ historyEventId: 5, links: { temporalUi: 'http://localhost:8233/namespaces/default/workflows/bk_1/run-1/history/events/5' } });
  });

  it('leaves a step that has not ended running, with no attempt yet', () => {
    const entries = sagaEntries([{ id: 5, at: t(10), type: 'activity-scheduled', activityId: 'reserve-hotel', activityType: 'reserveHotel' }], run);
    expect(entries[0]).toMatchObject({ outcome: 'running', attempts: 0, endedAt: null });
  });

  it('tells a cancellation by update and the close with its reason', () => {
    const entries = sagaEntries(
      [
        { id: 9, at: t(1), type: 'update', name: 'cancelBooking' },
        { id: 30, at: t(2), type: 'closed', status: 'terminated', message: 'by an operator' },
      ],
      run,
    );
    expect(entries.map((e) => e.title)).toEqual(['Update cancelBooking received', 'Saga terminated: by an operator']);
  });

  it('escapes the ids in the Web UI address', () => {
    expect(temporalUiLink({ ...run, namespace: 'team a', workflowId: 'bk_1/../x' })).toBe('http://localhost:8233/namespaces/team%20a/workflows/bk_1%2F..%2Fx/run-1/history');
  });
});

describe('the records of the database as entries', () => {
  const booking = { id: 'bk_1', createdAt: t(0), idempotencyKey: 'key-1' };
  const outbox = [
    { id: id(1), position: 10n, sequence: 1, type: 'com.tripsaga.booking.requested', schemaVersion: 2, occurredAt: t(0), publishedAt: t(30), streamSequence: 41n },
    { id: id(2), position: 11n, sequence: 2, type: 'com.tripsaga.booking.status-changed', schemaVersion: 1, occurredAt: t(0), publishedAt: null, streamSequence: null },
  ];
  const inbox = [
    { consumer: 'trip-summaries', eventId: id(1), sequence: 1, type: 'com.tripsaga.booking.requested', outcome: 'applied', reason: null, processedAt: t(40) },
    { consumer: 'notifier', eventId: id(1), sequence: 1, type: 'com.tripsaga.booking.requested', outcome: 'dead_lettered', reason: 'no template', processedAt: t(40) },
  ];

  it('says where each event is: published with its stream sequence, or still in the outbox', () => {
    expect(outboxEntry(outbox[0]!)).toMatchObject({ title: 'booking.requested #1 written to the outbox, published as stream message 41', streamSequence: 41, position: '10', publishedAt: t(30).toISOString() });
    expect(outboxEntry(outbox[1]!)).toMatchObject({ title: 'booking.status-changed #2 written to the outbox, not published yet', streamSequence: null, publishedAt: null });
  });

  it("names each consumer's outcome, and a dead letter's reason", () => {
    expect(inboxEntry(inbox[1]!)).toMatchObject({ title: 'notifier: booking.requested #1 dead-lettered', reason: 'no template' });
    expect(inboxEntry(inbox[0]!)).not.toHaveProperty('reason');
  });

  it('orders by time, and at the same instant by cause: request, saga start, events in their order, applies by consumer', () => {
    const saga = sagaEntries([{ id: 1, at: t(0), type: 'started' }], run);
    const entries = timelineEntries({ booking, outbox: [...outbox].reverse(), inbox, saga });
    expect(entries.map((e) => [e.kind, e.at === t(0).toISOString() ? 0 : Date.parse(e.at) - t(0).getTime()])).toEqual([
      ['request', 0],
      ['workflow', 0],
      ['event', 0],
      ['event', 0],
      ['apply', 40],
      ['apply', 40],
    ]);
    expect(entries.filter((e) => e.kind === 'event').map((e) => (e as Extract<TimelineEntry, { kind: 'event' }>).sequence)).toEqual([1, 2]);
    expect(entries.filter((e) => e.kind === 'apply').map((e) => (e as Extract<TimelineEntry, { kind: 'apply' }>).consumer)).toEqual(['notifier', 'trip-summaries']);
    expect(bookingTimelineSchema.parse({ bookingId: 'bk_1', status: 'PENDING', workflow: { state: 'none' }, entries })).toBeTruthy();
  });

  it('lets time win over cause: a later request is told after an earlier event', () => {
    const late = requestEntry({ ...booking, createdAt: t(5) });
    const early = outboxEntry({ ...outbox[0]!, occurredAt: t(1) });
    expect(inTimeOrder([late, early]).map((e) => e.kind)).toEqual(['event', 'request']);
  });

  it('marks a request without an Idempotency-Key', () => {
    expect(requestEntry({ ...booking, idempotencyKey: null })).toMatchObject({ title: 'POST /bookings accepted', idempotencyKey: null });
  });
});
