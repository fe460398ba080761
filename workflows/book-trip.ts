import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  TimeoutFailure,
  condition,
  isCancellation,
  proxyActivities,
  setHandler,
} from '@temporalio/workflow';
import type { BookingActivities, BookingOutcomeStatus, ReservationKind } from '../activities/index.ts';
import {
  type BookTripInput,
  type BookingState,
  type CancelRequest,
  cancelBookingSignal,
  cancelBookingUpdate,
  getBookingStateQuery,
} from './messages.ts';

/** Forward steps give up after a few attempts: a booking that cannot be made soon is undone, not left hanging. */
const forward = proxyActivities<BookingActivities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumInterval: '10 seconds', maximumAttempts: 5 },
});

/** Compensations never give up: units must go back even if the database is away for a while. */
const undo = proxyActivities<BookingActivities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

const reserve = { flight: forward.reserveFlight, hotel: forward.reserveHotel, car: forward.reserveCar };
const release = { flight: undo.cancelFlight, hotel: undo.cancelHotel, car: undo.cancelCar };

const defaultCancellationWindow = '7 days';

/**
 * The trip saga: flight -> hotel -> car (optional) -> confirmed, then open for cancellation until the window closes.
 * Each step's compensation is registered before the step runs, so a step whose outcome is unknown is undone too.
 * On a business failure, a cancel request, or a cancellation of the workflow itself, the registered compensations
 * run in reverse order, shielded from cancellation, and the booking ends COMPENSATED or CANCELLED with its reason.
 */
export async function bookTrip(input: BookTripInput): Promise<BookingState> {
  const { bookingId } = input;
  const steps = plannedSteps(input);
  const state: BookingState = {
    bookingId,
    status: 'PENDING',
    currentStep: steps[0]?.kind ?? null,
    reservations: { flight: 'PENDING', hotel: 'PENDING', car: input.car ? 'PENDING' : 'NOT_REQUESTED' },
  };
  const compensations: ReservationKind[] = [];
  const forwardScope = new CancellationScope();
  let cancelRequested = false;

  const canCancel = () => !cancelRequested && (state.status === 'PENDING' || state.status === 'CONFIRMED');
  const requestCancel = ({ reason }: CancelRequest) => {
    if (!canCancel()) return;
    cancelRequested = true;
    state.status = 'CANCELLING';
    state.cancelReason = reason ?? 'cancelled on request';
    forwardScope.cancel();
  };

  setHandler(getBookingStateQuery, () => state);
  setHandler(cancelBookingSignal, requestCancel);
  setHandler(
    cancelBookingUpdate,
    (request) => {
      requestCancel(request);
      return state;
    },
    {
      validator: (_request: CancelRequest) => {
        if (!canCancel()) {
          throw ApplicationFailure.create({
            type: 'NothingToCancel',
            message: `Booking ${bookingId} is ${cancelRequested ? 'already being cancelled' : state.status}`,
          });
        }
      },
    },
  );

  async function unwind(outcome: Exclude<BookingOutcomeStatus, 'CONFIRMED'>, reason: string) {
    state.status = outcome === 'CANCELLED' ? 'CANCELLING' : 'COMPENSATING';
    state.currentStep = 'compensate';
    if (outcome === 'COMPENSATED') state.failureReason = reason;
    await CancellationScope.nonCancellable(async () => {
      for (const kind of compensations) {
        const before = state.reservations[kind];
        state.reservations[kind] = 'CANCELLING';
        const receipt = await release[kind]({ bookingId });
        state.reservations[kind] = receipt.outcome === 'released' ? 'CANCELLED' : before === 'FAILED' ? 'FAILED' : 'SKIPPED';
      }
      await undo.recordBookingOutcome({ bookingId, status: outcome, reason });
    });
    for (const kind of ['flight', 'hotel', 'car'] as const) {
      if (state.reservations[kind] === 'PENDING') state.reservations[kind] = 'SKIPPED';
    }
    state.status = outcome;
    state.currentStep = null;
  }

  try {
    await forwardScope.run(async () => {
      for (const step of steps) {
        state.currentStep = step.kind;
        compensations.unshift(step.kind);
        state.reservations[step.kind] = 'RESERVING';
        try {
          await reserve[step.kind]({ bookingId, offerId: step.offerId, quantity: step.quantity });
        } catch (error) {
          state.reservations[step.kind] = isCancellation(error) ? 'CANCELLING' : 'FAILED';
          throw error;
        }
        state.reservations[step.kind] = 'RESERVED';
      }
      state.currentStep = 'confirm';
      await forward.recordBookingOutcome({ bookingId, status: 'CONFIRMED' });
    });
    state.status = 'CONFIRMED';
    state.currentStep = null;

    const cancelledInWindow = await condition(() => cancelRequested, input.cancellationWindow ?? defaultCancellationWindow);
    if (cancelledInWindow) await unwind('CANCELLED', state.cancelReason ?? 'cancelled on request');
  } catch (error) {
    if (cancelRequested || isCancellation(error)) {
      await unwind('CANCELLED', state.cancelReason ?? 'the saga was cancelled');
    } else {
      await unwind('COMPENSATED', describeFailure(error, state.currentStep));
    }
  }
  return state;
}

function plannedSteps(input: BookTripInput) {
  const steps: { kind: ReservationKind; offerId: string; quantity: number }[] = [
    { kind: 'flight', ...input.flight },
    { kind: 'hotel', ...input.hotel },
  ];
  if (input.car) steps.push({ kind: 'car', ...input.car });
  return steps;
}

/** A one-line reason a person can act on, e.g. "car: OfferSoldOut: Compact is sold out: 1 wanted, 0 of 0 left". */
function describeFailure(error: unknown, step: BookingState['currentStep']): string {
  const cause = error instanceof ActivityFailure && error.cause ? error.cause : error;
  if (cause instanceof ApplicationFailure) return `${step}: ${cause.type ?? 'Error'}: ${cause.message}`;
  if (cause instanceof TimeoutFailure) return `${step}: timed out (${cause.timeoutType})`;
  return `${step}: ${cause instanceof Error ? cause.message : String(cause)}`;
}
