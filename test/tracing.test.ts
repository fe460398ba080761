import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventType } from '../src/events/event-types.ts';
import { defaultTracingUiUrl, startTracing, type Tracing, traceIdOf } from '../src/tracing/index.ts';
import { type BookingPipeline, startBookingPipeline } from './support/booking-pipeline.ts';
import { roomyOffers, waitUntil } from './support/direct-trips.ts';
import type { Harness } from './support/harness.ts';
import { readStream } from './support/nats.ts';
import { startOtlpReceiver } from './support/otlp-receiver.ts';

// One booking, one trace: the API's request, the workflow start, the saga and its activities, the relay's publish of
// each event and every consumer's apply, down to the API call status-updates makes back, all under one trace id,
// exported over OTLP by the real SDK to a receiver in this process.
describe('tracing', () => {
  let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
  let tracing: Tracing;
  let p: BookingPipeline;
  let h: Harness;
  let baseUrl: string;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    tracing = startTracing({ otlpEndpoint: receiver.endpoint, uiUrl: defaultTracingUiUrl }, 'tripsaga-test');
    // The saga completes a second after confirming, so its run span ends and is exported too.
    p = await startBookingPipeline('tracing', { tracing, cancellationWindow: '1 second' });
    h = p.h;
    baseUrl = p.apiBaseUrl;
  });
  afterAll(async () => {
    await p?.stop();
    await tracing?.shutdown();
    await receiver?.close();
  });

  it('follows a booking from its HTTP request to the last consumer in one trace', async () => {
    const offers = await roomyOffers(h);
    const email = `ada+trace-${Date.now()}@example.com`;
    const token = await h.tokens.traveler(email);
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const response = await fetch(`${baseUrl}/bookings`, {
      method: 'POST',
      headers: { ...headers, 'idempotency-key': `trace-${Date.now()}` },
      body: JSON.stringify({
        traveler: { name: 'Ada Lovelace', email },
        flight: { offerId: offers.flight, seats: 1 },
        hotel: { offerId: offers.hotel, rooms: 1 },
        car: { offerId: offers.car },
      }),
    });
    expect(response.status).toBe(202);
    const { bookingId } = (await response.json()) as { bookingId: string };
    await h.waitForStatus(bookingId, 'CONFIRMED');
    const events = await h.prisma.outboxEvent.findMany({ where: { aggregateId: bookingId }, orderBy: { sequence: 'asc' } });
    const consumers = ['trip-summaries', 'notifier', 'status-updates'];
    await waitUntil('every consumer to settle every event', async () =>
      (await h.prisma.consumerInboxEvent.count({ where: { bookingId, consumer: { in: consumers } } })) === events.length * consumers.length,
    );

    // Every outbox row carries the context it was written in, all in the trace of the request.
    const traceId = traceIdOf(events[0]?.traceparent);
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(events.map((e) => traceIdOf(e.traceparent))).toEqual(events.map(() => traceId));

    // GET /bookings/:id names the trace and links to it in the viewer.
    const view = (await (await fetch(`${baseUrl}/bookings/${bookingId}`, { headers })).json()) as { trace?: { traceId: string; url: string } };
    expect(view.trace).toEqual({ traceId, url: `${defaultTracingUiUrl}/trace/${traceId}` });
    const timeline = (await (await fetch(`${baseUrl}/bookings/${bookingId}/timeline`, { headers })).json()) as { trace?: unknown };
    expect(timeline.trace).toEqual(view.trace);

    // Each published CloudEvent carries the distributed-tracing extension, in the body and as a NATS header.
    const published = (await readStream(p.nc, p.topology.eventsStream)).filter((m) => m.event.subject === bookingId);
    expect(published).toHaveLength(events.length);
    for (const message of published) {
      expect(traceIdOf((message.event as { traceparent?: string }).traceparent)).toBe(traceId);
      expect(message.headers.traceparent).toBe((message.event as { traceparent?: string }).traceparent);
    }

    const names = ['RunWorkflow:bookTrip', 'RunActivity:recordBookingOutcome', `status-updates apply ${EventType.bookingStatusChanged}`];
    await waitUntil('the saga and the consumers spans to be exported', async () => {
      await tracing.flush();
      const inTrace = receiver.spans.filter((s) => s.traceId === traceId).map((s) => s.name);
      return names.every((name) => inTrace.includes(name)) && inTrace.filter((n) => n === 'GET /bookings/:id').length >= 2;
    });
    const spans = receiver.spans.filter((s) => s.traceId === traceId);
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    const parentOf = (name: string) => byId.get(spans.find((s) => s.name === name)?.parentSpanId ?? '')?.name;
    const spanNames = new Set(spans.map((s) => s.name));

    // The API: the request's span is the root, and the parent of the workflow start.
    const root = spans.filter((s) => !s.parentSpanId);
    expect(root.map((s) => s.name)).toEqual(['POST /bookings']);
    expect(parentOf('StartWorkflow:bookTrip')).toBe('POST /bookings');
    // The worker: the workflow run under the start, each activity under its scheduling in the workflow.
    expect(parentOf('RunWorkflow:bookTrip')).toBe('StartWorkflow:bookTrip');
    for (const activity of ['reserveFlight', 'reserveHotel', 'reserveCar', 'chargePayment', 'recordBookingOutcome']) {
      expect(parentOf(`RunActivity:${activity}`)).toBe(`StartActivity:${activity}`);
      expect(parentOf(`StartActivity:${activity}`)).toBe('RunWorkflow:bookTrip');
    }
    // The relay: one publish span per event, under the span that wrote it (the request, or an activity).
    // (The charge's wallet events too: they are written in the payment step, under the wallet's own subject.)
    const written = await h.prisma.outboxEvent.findMany({ where: { traceparent: { contains: traceId } } });
    expect(written.length).toBeGreaterThan(events.length);
    const publishes = spans.filter((s) => s.name.startsWith('publish '));
    expect(publishes.map((s) => s.name).sort()).toEqual(written.map((e) => `publish ${e.type}`).sort());
    for (const publish of publishes) expect(byId.get(publish.parentSpanId!)?.name).toMatch(/^(POST \/bookings|RunActivity:.+)$/);
    // The consumers: each apply a child of the publish of its event; status-updates' call back to the API continues it.
    for (const consumer of consumers) {
      const applies = spans.filter((s) => s.name.startsWith(`${consumer} apply `) && s.attributes['tripsaga.booking.id'] === bookingId);
      expect(applies).toHaveLength(events.length);
      for (const apply of applies) expect(byId.get(apply.parentSpanId!)?.name).toBe(`publish ${apply.name.slice(`${consumer} apply `.length)}`);
    }
    const callbacks = spans.filter((s) => s.name === 'GET /bookings/:id' && byId.get(s.parentSpanId ?? '')?.name.startsWith('status-updates apply'));
    expect(callbacks.length).toBeGreaterThanOrEqual(2);
    expect(spanNames).toContain('RunActivity:reserveFlight');
  });
});
