import { createHash, randomUUID } from 'node:crypto';
import {
  type Client,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WithStartWorkflowOperation,
  WorkflowUpdateFailedError,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { Clock } from '../lib/clock.ts';
import type { bookTrip } from '../../workflows/book-trip.ts';
import { type BookingState, awaitOutcomeUpdate, bookTripWorkflowType, cancelBookingUpdate } from '../../workflows/messages.ts';
import { type Db, isUniqueViolation, transactionOptions } from '../db/prisma.ts';
import type { TravelerPseudonym } from '../data-protection/traveler-pseudonym.ts';
import type { EventData } from '../events/catalog.ts';
import { appendOutboxEvents } from '../outbox/append-event.ts';
import { defaultTracingUiUrl, traceIdOf } from '../tracing/index.ts';
import { EventType } from '../events/event-types.ts';
import type { BookingRequest } from './booking-request.ts';
import { readBookingView } from './booking-read.ts';
import { type BookingView, toBookingView } from './booking-view.ts';
import { BookingError, type FieldProblem } from './errors.ts';
import { cancelChoreographedBooking } from './choreographed-booking.ts';
import { takeSagaPlace } from './saga-cap.ts';
import { sagaProgress } from './saga-progress.ts';
import { type OfferNames, sagaInputFor, sagaPresentation } from './saga-input.ts';

export interface BookingServiceDependencies {
  prisma: Db;
  temporal: Client;
  taskQueue: string;
  clock: Clock;
  temporalUiUrl: string;
  /** The value of a traveler's `TravelerEmail` search attribute (src/data-protection/traveler-pseudonym.ts). */
  travelerPseudonym: TravelerPseudonym;
  /** Passed to every new saga; see BookTripInput.cancellationWindow. */
  cancellationWindow?: string;
  log?: (line: string) => void;
  /** At most this many sagas of one traveler running at once (0 or absent: no cap); see saga-cap.ts. */
  runningSagasPerTraveler?: number;
  /** The trace viewer, for the link to a booking's trace (TRACING_UI_URL). */
  tracingUiUrl?: string;
}

type StoredBooking = { id: string; request: unknown; status: string };

export interface CreatedBooking {
  booking: StoredBooking;
  replayed: boolean;
  /** Present when the caller asked to wait and the saga settled in time: the booking as it ended. */
  settled?: BookingView;
}

/**
 * Accepting a booking is one transaction (booking row, idempotency key, `booking.requested` and
 * `booking.status-changed` events); starting its saga comes after the commit and is idempotent (workflow id =
 * booking id). If the start is lost (Temporal unreachable, the process dies), the booking stays PENDING without
 * `workflowStartedAt`, and `startPendingSagas` starts it later.
 */
export function createBookingService(deps: BookingServiceDependencies) {
  const { prisma, temporal, taskQueue, clock, log = () => {} } = deps;

  async function startOptions(booking: StoredBooking, names?: OfferNames) {
    const request = booking.request as BookingRequest;
    const input = sagaInputFor(booking.id, request, names ?? (await offerNames(prisma, request)), deps.cancellationWindow);
    return {
      workflowId: booking.id,
      taskQueue,
      args: [input] as [typeof input],
      ...sagaPresentation(input, deps.travelerPseudonym),
      workflowIdConflictPolicy: 'USE_EXISTING' as const,
      workflowIdReusePolicy: 'REJECT_DUPLICATE' as const,
    };
  }

  /** `names`: the offers' names when the caller has just read them; otherwise they are looked up. */
  async function startSaga(booking: StoredBooking, names?: OfferNames): Promise<boolean> {
    try {
      await temporal.workflow.start<typeof bookTrip>(bookTripWorkflowType, await startOptions(booking, names));
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) {
        log(`booking ${booking.id}: saga not started yet (${(error as Error).message}); it will be retried`);
        return false;
      }
    }
    await markStarted(booking.id);
    return true;
  }

  async function markStarted(bookingId: string) {
    await prisma.booking.updateMany({ where: { id: bookingId, workflowStartedAt: null }, data: { workflowStartedAt: clock.now() } });
  }

  /**
   * Starts the saga and waits up to `waitMs` for its outcome, in one call to Temporal (update-with-start: the start
   * and the `awaitOutcome` update travel together). True when the saga settled in time. Otherwise (too slow, no
   * worker, a worker that does not know the update yet) the plain idempotent start makes sure the saga runs, and
   * the caller answers 202 as without waiting.
   */
  async function startSagaAndWait(booking: StoredBooking, names: OfferNames, waitMs: number): Promise<boolean> {
    try {
      const startWorkflowOperation = new WithStartWorkflowOperation<typeof bookTrip>(bookTripWorkflowType, await startOptions(booking, names));
      await temporal.withDeadline(Date.now() + waitMs, () =>
        temporal.workflow.executeUpdateWithStart(awaitOutcomeUpdate, { startWorkflowOperation }),
      );
      await markStarted(booking.id);
      return true;
    } catch {
      await startSaga(booking, names);
      return false;
    }
  }

  async function replay(idempotencyKey: string, requestHash: string) {
    const seen = await prisma.apiIdempotencyKey.findUnique({ where: { key: idempotencyKey }, include: { booking: true } });
    if (!seen) return undefined;
    if (seen.requestHash !== requestHash) {
      throw new BookingError('idempotency_key_reused', 'This Idempotency-Key was already used with a different request body');
    }
    if (!seen.booking.workflowStartedAt && seen.booking.coordination === 'orchestration') await startSaga(seen.booking);
    return seen.booking;
  }

  /** The booking as GET /bookings/:id shows it: from the database alone, the saga's progress included (saga-progress.ts). */
  async function view(bookingId: string): Promise<BookingView> {
    const booking = await readBookingView(prisma, bookingId);
    if (!booking) throw new BookingError('booking_not_found', 'No such booking');
    // The booking's trace is the one its events were written in: the request's, continued by the saga.
    const traceId = traceIdOf(booking.traceparent);
    const trace = traceId ? { traceId, url: `${deps.tracingUiUrl ?? defaultTracingUiUrl}/trace/${traceId}` } : undefined;
    return toBookingView(booking, sagaProgress(booking), deps.temporalUiUrl, temporal.options.namespace, deps.travelerPseudonym(booking.travelerEmail), trace);
  }

  return {
    /**
     * With `waitMs`, the answer waits up to that long for the saga's outcome: `settled` is then the booking as it
     * ended (CONFIRMED, COMPENSATED or CANCELLED). A replayed request does not wait: it answers with what is stored.
     */
    async createBooking(request: BookingRequest, idempotencyKey?: string, waitMs = 0): Promise<CreatedBooking> {
      const requestHash = hashRequest(request);
      if (idempotencyKey) {
        const earlier = await replay(idempotencyKey, requestHash);
        if (earlier) return { booking: earlier, replayed: true, ...(waitMs > 0 && earlier.status !== 'PENDING' ? { settled: await view(earlier.id) } : {}) };
      }
      const names = await bookableOfferNames(prisma, request);
      const bookingId = `bk_${randomUUID()}`;
      const now = clock.now();
      let booking;
      try {
        booking = await prisma.$transaction(async (tx) => {
          await takeSagaPlace(tx, request.traveler.email, deps.runningSagasPerTraveler ?? 0);
          const created = await tx.booking.create({
            data: {
              id: bookingId,
              travelerName: request.traveler.name,
              travelerEmail: request.traveler.email,
              request,
              coordination: request.coordination ?? 'orchestration',
              createdAt: now,
              updatedAt: now,
            },
          });
          if (idempotencyKey) await tx.apiIdempotencyKey.create({ data: { key: idempotencyKey, requestHash, bookingId, createdAt: now } });
          await appendOutboxEvents(tx, [
            { bookingId, type: EventType.bookingRequested, data: requestedEvent(bookingId, request), occurredAt: now },
            { bookingId, type: EventType.bookingStatusChanged, data: { bookingId }, occurredAt: now },
          ]);
          return created;
        }, transactionOptions);
      } catch (error) {
        // Two requests with the same key at once: the loser answers with the winner's booking.
        if (idempotencyKey && isUniqueViolation(error)) {
          const winner = await replay(idempotencyKey, requestHash);
          if (winner) return { booking: winner, replayed: true };
        }
        throw error;
      }
      // A choreographed trip has started already: its services take it from the booking.requested just committed.
      if (booking.coordination !== 'orchestration') return { booking, replayed: false };
      if (waitMs > 0 && (await startSagaAndWait(booking, names, waitMs))) return { booking, replayed: false, settled: await view(booking.id) };
      await startSaga(booking, names);
      return { booking, replayed: false };
    },

    /** The email of the booking's traveler, or undefined if there is no such booking (for access checks). */
    async travelerOf(bookingId: string): Promise<string | undefined> {
      return (await prisma.booking.findUnique({ where: { id: bookingId }, select: { travelerEmail: true } }))?.travelerEmail;
    },

    getBooking: view,

    async cancelBooking(bookingId: string, reason?: string): Promise<Pick<BookingState, 'status'>> {
      const booking = await prisma.booking.findUnique({ where: { id: bookingId } });
      if (!booking) throw new BookingError('booking_not_found', 'No such booking');
      if (booking.coordination === 'choreography') return cancelChoreographedBooking(prisma, clock, bookingId, reason);
      if (booking.status === 'COMPENSATED' || booking.status === 'CANCELLED') {
        throw new BookingError('nothing_to_cancel', `The booking is already ${booking.status}`);
      }
      if (!booking.workflowStartedAt && !(await startSaga(booking))) {
        throw new BookingError('saga_unavailable', 'The booking saga cannot be reached right now; try again');
      }
      try {
        return await temporal.withDeadline(Date.now() + 10_000, () =>
          temporal.workflow.getHandle(bookingId).executeUpdate(cancelBookingUpdate, { args: [{ reason }] }),
        );
      } catch (error) {
        if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure && error.cause.type === 'NothingToCancel') {
          throw new BookingError('nothing_to_cancel', error.cause.message);
        }
        if (error instanceof WorkflowNotFoundError || isClosedWorkflowError(error)) {
          throw new BookingError('nothing_to_cancel', 'The booking can no longer be cancelled: its cancellation window has closed');
        }
        log(`booking ${bookingId}: the saga did not take the cancellation: ${(error as Error).message}`);
        throw new BookingError('saga_unavailable', 'The booking saga did not answer; try again');
      }
    },

    async listEvents(bookingId: string) {
      const exists = await prisma.booking.count({ where: { id: bookingId } });
      if (!exists) throw new BookingError('booking_not_found', 'No such booking');
      return prisma.outboxEvent.findMany({ where: { aggregateId: bookingId }, orderBy: { position: 'asc' } });
    },

    /** Starts the sagas of accepted bookings whose start was lost. Returns how many it started. */
    async startPendingSagas({ olderThanMs = 5_000, limit = 100 } = {}) {
      const stranded = await prisma.booking.findMany({
        where: { status: 'PENDING', coordination: 'orchestration', workflowStartedAt: null, createdAt: { lt: new Date(clock.now().getTime() - olderThanMs) } },
        orderBy: { createdAt: 'asc' },
        take: limit,
      });
      let started = 0;
      for (const booking of stranded) if (await startSaga(booking)) started += 1;
      return started;
    },
  };
}

export type BookingService = ReturnType<typeof createBookingService>;

/** Refuses offers that do not exist or are of the wrong kind; returns their names for the saga's summaries. */
async function bookableOfferNames(prisma: Db, request: BookingRequest): Promise<OfferNames> {
  const wanted = [
    { path: 'flight.offerId', kind: 'flight', id: request.flight.offerId },
    { path: 'hotel.offerId', kind: 'hotel', id: request.hotel.offerId },
    ...(request.car ? [{ path: 'car.offerId', kind: 'car', id: request.car.offerId }] : []),
  ];
  const offers = await prisma.offer.findMany({ where: { id: { in: wanted.map((w) => w.id) } }, select: { id: true, kind: true, name: true } });
  const problems: FieldProblem[] = [];
  for (const { path, kind, id } of wanted) {
    const offer = offers.find((o) => o.id === id);
    if (!offer) problems.push({ path, reason: `no offer with id ${id}` });
    else if (offer.kind !== kind) problems.push({ path, reason: `offer ${id} is a ${offer.kind} offer, not a ${kind} offer` });
  }
  if (problems.length > 0) throw new BookingError('offer_not_bookable', 'The booking names offers that cannot be booked', problems);
  return new Map(offers.map((o) => [o.id, o.name]));
}

/** The event states the trip in the domain's words (a quantity per step), not in the shape of the HTTP request. */
function requestedEvent(bookingId: string, request: BookingRequest): EventData<typeof EventType.bookingRequested> {
  return {
    bookingId,
    traveler: request.traveler,
    trip: {
      flight: { offerId: request.flight.offerId, quantity: request.flight.seats },
      hotel: { offerId: request.hotel.offerId, quantity: request.hotel.rooms },
      car: request.car ? { offerId: request.car.offerId, quantity: 1 } : null,
    },
  };
}

async function offerNames(prisma: Db, request: BookingRequest): Promise<OfferNames> {
  const ids = [request.flight.offerId, request.hotel.offerId, ...(request.car ? [request.car.offerId] : [])];
  const offers = await prisma.offer.findMany({ where: { id: { in: ids } }, select: { id: true, name: true } });
  return new Map(offers.map((o) => [o.id, o.name]));
}

function isClosedWorkflowError(error: unknown): boolean {
  return error instanceof Error && /already completed|workflow execution.*(completed|closed)/i.test(error.message);
}

/** Same request, same hash: keys are sorted so property order does not matter. */
export function hashRequest(request: unknown): string {
  return createHash('sha256').update(stableStringify(request)).digest('hex');
}

function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
