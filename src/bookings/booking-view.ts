import { z } from 'zod';
import type { BookingState } from '../../workflows/messages.ts';
import type { StoredBookingView } from './booking-read.ts';
import { bookingStatus, paymentStatus, reservationStatus } from './trip-vocabulary.ts';

const sagaStepStatus = z.enum(['PENDING', 'RESERVING', 'RESERVED', 'FAILED', 'CANCELLING', 'CANCELLED', 'SKIPPED', 'NOT_REQUESTED']);

const paymentStepStatus = z.enum(['PENDING', 'CHARGING', 'CHARGED', 'FAILED', 'REFUNDING', 'REFUNDED', 'SKIPPED', 'NOT_REQUESTED']);

/** The running saga's own state, as its getBookingState query answers (BookingState in workflows/messages.ts). */
export const bookingStateSchema = z.object({
  bookingId: z.string(),
  status: z.enum(['PENDING', 'CONFIRMED', 'COMPENSATING', 'COMPENSATED', 'CANCELLING', 'CANCELLED']),
  currentStep: z.enum(['flight', 'hotel', 'car', 'payment', 'confirm', 'compensate']).nullable().describe('null once the saga has settled'),
  reservations: z.object({ flight: sagaStepStatus, hotel: sagaStepStatus, car: sagaStepStatus }),
  payment: paymentStepStatus.optional().describe('absent when a worker from before the payment step answered'),
  failureReason: z.string().optional(),
  cancelReason: z.string().optional(),
});

// Compiles only while this schema and the workflow's BookingState describe the same shape, in both directions.
type SameShape<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const bookingStateMatchesWorkflow: SameShape<z.output<typeof bookingStateSchema>, BookingState> = true;
void bookingStateMatchesWorkflow;

const reservationView = z.object({
  offerId: z.string(),
  quantity: z.int(),
  status: reservationStatus.describe('PENDING: not reached yet; NOT_RESERVED: the saga ended without taking it'),
  amount: z.int().optional().describe('price in minor units, once reserved'),
  currency: z.string().optional(),
});

/** The response of GET /bookings/:id. */
export const bookingViewSchema = z.object({
  bookingId: z.string(),
  status: bookingStatus,
  traveler: z.object({ name: z.string(), email: z.string() }),
  reservations: z.object({ flight: reservationView, hotel: reservationView, car: reservationView.nullable() }),
  payment: z
    .object({ status: paymentStatus, amount: z.int().describe('minor units'), currency: z.string() })
    .nullable()
    .describe('the charge for the trip; null until it is taken, and for trips undone before it or booked before the payment step'),
  failureReason: z.string().optional(),
  coordination: z
    .enum(['orchestration', 'choreography'])
    .default('orchestration')
    .describe('who runs the trip: a Temporal saga, or services reacting to events (absent from APIs older than the choreography)'),
  live: bookingStateSchema
    .optional()
    .describe("orchestration only, while the saga runs or the trip is confirmed: the saga's progress as its committed steps record it (the step in flight is the first not recorded yet)"),
  workflow: z.object({
    workflowId: z.string(),
    url: z.url().describe("the saga in the Temporal Web UI"),
    travelerPseudonym: z.string().describe("the traveler's `TravelerEmail` search attribute: a keyed pseudonym, not the email"),
    travelerSagasUrl: z.url().describe("the Temporal Web UI's list of this traveler's sagas, filtered by the pseudonym"),
  }).nullable().describe('the saga in Temporal; null for a choreographed trip, which no workflow runs'),
  links: z
    .object({
      events: z.string().describe("the booking's outbox events (JSON)"),
      timeline: z.string().describe('everything that happened to the booking, in time order (JSON)'),
      timelinePage: z.string().describe('the same timeline as a page for a browser; it asks for the token (see the HTTP API docs)'),
    })
    .describe('paths on this API'),
  trace: z
    .object({
      traceId: z.string().describe('the W3C trace id of the booking: its HTTP request, saga, relay and consumers'),
      url: z.url().describe('the trace in the trace viewer (TRACING_UI_URL)'),
    })
    .optional()
    .describe('present when the booking was made with tracing on (docs/tracing.md)'),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});

/** Where a booking's related resources live on this API (relative to its root). */
export function bookingLinks(bookingId: string) {
  const self = `/bookings/${encodeURIComponent(bookingId)}`;
  return { events: `${self}/events`, timeline: `${self}/timeline`, timelinePage: `${self}/timeline.html` };
}

export type BookingView = z.infer<typeof bookingViewSchema>;

type StoredRequest = {
  flight: { offerId: string; seats: number };
  hotel: { offerId: string; rooms: number };
  car?: { offerId: string };
};

export function toBookingView(
  booking: StoredBookingView,
  live: BookingState | undefined,
  temporalUiUrl: string,
  namespace: string,
  travelerPseudonym: string,
  trace?: { traceId: string; url: string },
): BookingView {
  const request = booking.request as StoredRequest;
  const reservation = (kind: 'flight' | 'hotel' | 'car', offerId: string, quantity: number) => {
    const row = booking.reservations.find((r) => r.kind === kind);
    if (row) return { offerId, quantity, status: row.status, amount: row.amount, currency: row.currency };
    return { offerId, quantity, status: booking.status === 'PENDING' ? ('PENDING' as const) : ('NOT_RESERVED' as const) };
  };
  return {
    bookingId: booking.id,
    status: booking.status,
    traveler: { name: booking.travelerName, email: booking.travelerEmail },
    reservations: {
      flight: reservation('flight', request.flight.offerId, request.flight.seats),
      hotel: reservation('hotel', request.hotel.offerId, request.hotel.rooms),
      car: request.car ? reservation('car', request.car.offerId, 1) : null,
    },
    payment: booking.payment ? { status: booking.payment.status, amount: booking.payment.amount, currency: booking.payment.currency } : null,
    ...(booking.failureReason ? { failureReason: booking.failureReason } : {}),
    coordination: booking.coordination === 'choreography' ? 'choreography' : 'orchestration',
    ...(live ? { live } : {}),
    workflow: booking.coordination === 'choreography' ? null : {
      workflowId: booking.id,
      url: `${temporalUiUrl}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(booking.id)}`,
      travelerPseudonym,
      travelerSagasUrl: `${temporalUiUrl}/namespaces/${encodeURIComponent(namespace)}/workflows?query=${encodeURIComponent(`TravelerEmail = "${travelerPseudonym}"`)}`,
    },
    links: bookingLinks(booking.id),
    ...(trace ? { trace } : {}),
    createdAt: booking.createdAt.toISOString(),
    updatedAt: booking.updatedAt.toISOString(),
  };
}
