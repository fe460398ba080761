import { describe, expect, it } from 'vitest';
import { toCloudEvent } from '../../src/events/cloud-event.ts';
import { decodeEvent } from '../../src/events/decode.ts';
import { EventType } from '../../src/events/event-types.ts';
import { contextFromCarrier, inSpan, traceCarrierOf, traceCarrierOfSpan, traceHeaders, traceIdOf, tracingActive } from '../../src/tracing/index.ts';

const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('the trace context', () => {
  it('reads the trace id of a well-formed traceparent only', () => {
    expect(traceIdOf(traceparent)).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(traceIdOf('00-00000000000000000000000000000000-00f067aa0ba902b7-01')).toBeUndefined();
    expect(traceIdOf('not a traceparent')).toBeUndefined();
    expect(traceIdOf(null)).toBeUndefined();
  });

  it('passes a stored context on unchanged with tracing off, as a relay without tracing does', async () => {
    expect(tracingActive()).toBe(false);
    expect(traceCarrierOf()).toBeUndefined();
    expect(traceHeaders()).toEqual({});
    // As the relay's publisher reads it: from its span (with tracing off no span is ever the active one).
    const inside = await inSpan('publish', { parent: contextFromCarrier({ traceparent, tracestate: 'vendor=1' }) }, async (span) => traceCarrierOfSpan(span));
    expect(inside).toEqual({ traceparent, tracestate: 'vendor=1' });
    // Nothing stored, nothing invented.
    expect(await inSpan('publish', { parent: contextFromCarrier({ traceparent: null }) }, async (span) => traceCarrierOfSpan(span))).toBeUndefined();
    expect(await inSpan('publish', { parent: contextFromCarrier({ traceparent: 'garbage' }) }, async (span) => traceCarrierOfSpan(span))).toBeUndefined();
  });

  it('travels as the CloudEvents distributed-tracing extension, which consumers accept', () => {
    const row = {
      id: '3c5e1f4e-1f60-4b49-9d3e-7d1b1c2a9f10',
      type: EventType.bookingStatusChanged,
      aggregateId: 'bk_1',
      sequence: 1,
      occurredAt: new Date('2026-12-01T10:00:00Z'),
      schemaVersion: 1,
      data: { bookingId: 'bk_1' },
    };
    expect(toCloudEvent(row)).not.toHaveProperty('traceparent');
    const event = toCloudEvent({ ...row, traceparent, tracestate: 'vendor=1' });
    expect(event).toMatchObject({ traceparent, tracestate: 'vendor=1' });
    expect(decodeEvent(JSON.stringify(event))).toMatchObject({ id: row.id, type: EventType.bookingStatusChanged });
  });
});
