import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ReservationKind } from '../activities/types.ts';

/**
 * The saga's public surface, defined once and shared by the workflow and the API.
 * Keep these names stable: running workflows and deployed clients both refer to them.
 */

export const bookTripWorkflowType = 'bookTrip';

export interface TripStep {
  offerId: string;
  quantity: number;
  /** The offer's name, for readable activity summaries in the Temporal UI. */
  offerName?: string;
}

export interface BookTripInput {
  bookingId: string;
  traveler?: { name: string; email: string };
  flight: TripStep;
  hotel: TripStep;
  car?: TripStep;
  /** How long a confirmed trip can still be cancelled through its saga. A Temporal duration, e.g. '7 days'. */
  cancellationWindow?: string;
}

export type SagaStatus = 'PENDING' | 'CONFIRMED' | 'COMPENSATING' | 'COMPENSATED' | 'CANCELLING' | 'CANCELLED';

export type StepStatus =
  | 'PENDING'
  | 'RESERVING'
  | 'RESERVED'
  | 'FAILED'
  | 'CANCELLING'
  | 'CANCELLED'
  /** Never reserved: the saga stopped before this step, or the step was interrupted before it took effect. */
  | 'SKIPPED'
  | 'NOT_REQUESTED';

export type PaymentStepStatus =
  | 'PENDING'
  | 'CHARGING'
  | 'CHARGED'
  /** Declined, or the charge could not be made. */
  | 'FAILED'
  | 'REFUNDING'
  | 'REFUNDED'
  /** Never charged: the saga stopped before this step, or the step was interrupted before it took effect. */
  | 'SKIPPED'
  /** A run that started before the saga had a payment step, and keeps the path it started on. */
  | 'NOT_REQUESTED';

export interface BookingState {
  bookingId: string;
  status: SagaStatus;
  /** The step the saga is working on, or null once it has settled. */
  currentStep: ReservationKind | 'payment' | 'confirm' | 'compensate' | null;
  reservations: Record<ReservationKind, StepStatus>;
  /** Absent in answers from workers that predate the payment step (during a rolling deploy). */
  payment?: PaymentStepStatus;
  failureReason?: string;
  cancelReason?: string;
}

export interface CancelRequest {
  reason?: string;
}

export const getBookingStateQuery = defineQuery<BookingState>('getBookingState');

/** Preferred by the API: the validator rejects a cancel that has nothing left to undo, so the caller hears about it. */
export const cancelBookingUpdate = defineUpdate<BookingState, [CancelRequest]>('cancelBooking');

/**
 * Answers once the saga has settled (CONFIRMED, COMPENSATED or CANCELLED) with its state then. Sent with the saga's
 * start (update-with-start) by `POST /bookings` when the caller asks to wait for the outcome; the caller gives up at
 * its own deadline, the update carries no timer, so the saga's commands are the same with or without it.
 */
export const awaitOutcomeUpdate = defineUpdate<BookingState>('awaitOutcome');

/** Fire-and-forget variant for tools that can only signal (e.g. the Temporal UI's "Send a Signal"). */
export const cancelBookingSignal = defineSignal<[CancelRequest]>('requestCancellation');
