import {
  ActivityFailure,
  type ActivityOptions,
  ApplicationFailure,
  CancellationScope,
  TimeoutFailure,
  condition,
  isCancellation,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { BookingActivities, BookingOutcomeStatus, ReservationKind, SagaStepName } from '../activities/index.ts';
import {
  type BookTripInput,
  type BookingState,
  type CancelRequest,
  type PaymentStepStatus,
  type SagaStatus,
  type StepStatus,
  type TripStep,
  awaitOutcomeUpdate,
  cancelBookingSignal,
  cancelBookingUpdate,
  getBookingStateQuery,
} from './messages.ts';
import { chargeBeforeConfirm } from './patches.ts';
import { BookingStatus, FailedStep } from './search-attributes.ts';
import { reservationOrder } from './trip-plan.ts';

/** Forward steps give up after a few attempts: a booking that cannot be made soon is undone, not left hanging. */
const forwardOptions: ActivityOptions = {
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumInterval: '10 seconds', maximumAttempts: 5 },
};

/** Compensations never give up: units must go back even if the database is away for a while. */
const undoOptions: ActivityOptions = {
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
};

/**
 * Activities with a stable id (`reserve-hotel`, `cancel-flight`) and a one-line summary, so the Temporal UI reads
 * "Reserve hotel Ritz Paris ×2" instead of an activity type and a payload.
 */
function activity(options: ActivityOptions, activityId: string, summary: string) {
  return proxyActivities<BookingActivities>({ ...options, activityId, summary });
}

function reserve(kind: ReservationKind, bookingId: string, step: TripStep) {
  const acts = activity(forwardOptions, `reserve-${kind}`, `Reserve ${label(kind, step)}`);
  const input = { bookingId, offerId: step.offerId, quantity: step.quantity };
  return { flight: acts.reserveFlight, hotel: acts.reserveHotel, car: acts.reserveCar }[kind](input);
}

function release(kind: ReservationKind, bookingId: string, step: TripStep) {
  const acts = activity(undoOptions, `cancel-${kind}`, `Cancel ${label(kind, step)} (compensation)`);
  return { flight: acts.cancelFlight, hotel: acts.cancelHotel, car: acts.cancelCar }[kind]({ bookingId });
}

function label(kind: ReservationKind, step: TripStep) {
  return `${kind} ${step.offerName ?? step.offerId} ×${step.quantity}`;
}

const defaultCancellationWindow = '7 days';

/**
 * The trip saga: flight -> hotel -> car (optional) -> payment -> confirmed, then open for cancellation until the
 * window closes. Each step's compensation is registered before the step runs, so a step whose outcome is unknown is
 * undone too.
 * On a business failure, a cancel request, or a cancellation of the workflow itself, the registered compensations
 * run in reverse order, shielded from cancellation, and the booking ends COMPENSATED or CANCELLED with its reason.
 */
export async function bookTrip(input: BookTripInput): Promise<BookingState> {
  const { bookingId } = input;
  const steps = reservationOrder(input);
  const state: BookingState = {
    bookingId,
    status: 'PENDING',
    currentStep: steps[0]?.kind ?? null,
    reservations: { flight: 'PENDING', hotel: 'PENDING', car: input.car ? 'PENDING' : 'NOT_REQUESTED' },
    payment: 'PENDING',
  };
  /** What undoes each step taken so far, most recent first. */
  const compensations: (() => Promise<void>)[] = [];
  const forwardScope = new CancellationScope();
  let cancelRequested = false;

  const setStatus = (status: SagaStatus) => {
    state.status = status;
    upsertSearchAttributes([{ key: BookingStatus, value: status }]);
  };

  const canCancel = () => !cancelRequested && (state.status === 'PENDING' || state.status === 'CONFIRMED');
  const requestCancel = ({ reason }: CancelRequest) => {
    if (!canCancel()) return;
    cancelRequested = true;
    setStatus('CANCELLING');
    state.cancelReason = reason ?? 'cancelled on request';
    forwardScope.cancel();
  };

  setHandler(getBookingStateQuery, () => state);
  setHandler(awaitOutcomeUpdate, async () => {
    await condition(() => settled(state.status));
    return state;
  });
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

  const undoReservation = (kind: ReservationKind, step: TripStep) => async () => {
    const before = state.reservations[kind];
    state.reservations[kind] = 'CANCELLING';
    const receipt = await release(kind, bookingId, step);
    state.reservations[kind] = receipt.outcome === 'released' ? 'CANCELLED' : before === 'FAILED' ? 'FAILED' : 'SKIPPED';
  };

  const undoPayment = async () => {
    const before = state.payment;
    state.payment = 'REFUNDING';
    const receipt = await activity(undoOptions, 'refund-payment', 'Refund the trip (compensation)').refundPayment({ bookingId });
    state.payment = receipt.outcome === 'refunded' ? 'REFUNDED' : before === 'FAILED' ? 'FAILED' : 'SKIPPED';
  };

  /**
   * One forward step: its compensation registered before it runs (so a step whose outcome is unknown is undone too),
   * its status kept for the getBookingState query, and a business failure named in the FailedStep search attribute.
   */
  async function runStep<Status extends string>(step: {
    name: ReservationKind | 'payment';
    compensation: () => Promise<void>;
    details: string;
    mark: (status: Status) => void;
    statuses: { running: Status; done: Status; failed: Status; interrupted?: Status };
    run: () => Promise<unknown>;
  }) {
    state.currentStep = step.name;
    compensations.unshift(step.compensation);
    step.mark(step.statuses.running);
    setCurrentDetails(step.details);
    try {
      await step.run();
    } catch (error) {
      if (!isCancellation(error)) {
        step.mark(step.statuses.failed);
        upsertSearchAttributes([{ key: FailedStep, value: step.name }]);
      } else if (step.statuses.interrupted) {
        step.mark(step.statuses.interrupted);
      }
      throw error;
    }
    step.mark(step.statuses.done);
  }

  const reserveStep = (kind: ReservationKind, step: TripStep) =>
    runStep<StepStatus>({
      name: kind,
      compensation: undoReservation(kind, step),
      details: `Reserving ${label(kind, step)}`,
      mark: (status) => (state.reservations[kind] = status),
      statuses: { running: 'RESERVING', done: 'RESERVED', failed: 'FAILED', interrupted: 'CANCELLING' },
      run: () => reserve(kind, bookingId, step),
    });

  const chargeTrip = () =>
    runStep<PaymentStepStatus>({
      name: 'payment',
      compensation: undoPayment,
      details: "Charging the trip's total",
      mark: (status) => (state.payment = status),
      statuses: { running: 'CHARGING', done: 'CHARGED', failed: 'FAILED' },
      run: () => activity(forwardOptions, 'charge-payment', "Charge the trip's total").chargePayment({ bookingId }),
    });

  async function unwind(outcome: Exclude<BookingOutcomeStatus, 'CONFIRMED'>, reason: string, failedStep?: SagaStepName) {
    setStatus(outcome === 'CANCELLED' ? 'CANCELLING' : 'COMPENSATING');
    state.currentStep = 'compensate';
    if (outcome === 'COMPENSATED') state.failureReason = reason;
    setCurrentDetails(`Undoing the trip: ${reason}`);
    await CancellationScope.nonCancellable(async () => {
      for (const undo of compensations) await undo();
      await activity(undoOptions, `record-${outcome.toLowerCase()}`, `Mark the booking ${outcome}`).recordBookingOutcome({
        bookingId,
        status: outcome,
        reason,
        ...(failedStep ? { failedStep } : {}),
      });
    });
    for (const kind of ['flight', 'hotel', 'car'] as const) {
      if (state.reservations[kind] === 'PENDING') state.reservations[kind] = 'SKIPPED';
    }
    if (state.payment === 'PENDING') state.payment = 'SKIPPED';
    setStatus(outcome);
    state.currentStep = null;
    setCurrentDetails(`${outcome}: ${reason}`);
  }

  try {
    await forwardScope.run(async () => {
      for (const { kind, step } of steps) await reserveStep(kind, step);
      // Versioned: runs that started before the payment step have no charge in their history, and replay the old
      // path (straight to confirm) until they close. See workflows/patches.ts.
      if (patched(chargeBeforeConfirm)) await chargeTrip();
      else state.payment = 'NOT_REQUESTED';
      state.currentStep = 'confirm';
      await activity(forwardOptions, 'confirm', 'Confirm the booking').recordBookingOutcome({ bookingId, status: 'CONFIRMED' });
    });
    setStatus('CONFIRMED');
    state.currentStep = null;
    setCurrentDetails('Confirmed; open for cancellation');

    const cancelledInWindow = await condition(() => cancelRequested, input.cancellationWindow ?? defaultCancellationWindow);
    if (cancelledInWindow) await unwind('CANCELLED', state.cancelReason ?? 'cancelled on request');
  } catch (error) {
    if (cancelRequested || isCancellation(error)) {
      await unwind('CANCELLED', state.cancelReason ?? 'the saga was cancelled');
    } else {
      const failedStep = state.currentStep === 'compensate' ? undefined : (state.currentStep ?? undefined);
      await unwind('COMPENSATED', describeFailure(error, state.currentStep), failedStep);
    }
  }
  return state;
}

function settled(status: SagaStatus): boolean {
  return status === 'CONFIRMED' || status === 'COMPENSATED' || status === 'CANCELLED';
}

/** A one-line reason a person can act on, e.g. "car: OfferSoldOut: Compact is sold out: 1 wanted, 0 of 0 left". */
function describeFailure(error: unknown, step: BookingState['currentStep']): string {
  const cause = error instanceof ActivityFailure && error.cause ? error.cause : error;
  if (cause instanceof ApplicationFailure) return `${step}: ${cause.type ?? 'Error'}: ${cause.message}`;
  if (cause instanceof TimeoutFailure) return `${step}: timed out (${cause.timeoutType})`;
  return `${step}: ${cause instanceof Error ? cause.message : String(cause)}`;
}
