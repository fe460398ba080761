/** Shapes that cross the workflow/activity boundary. Workflows import them with `import type` only. */

export type ReservationKind = 'flight' | 'hotel' | 'car';

export interface ReserveInput {
  bookingId: string;
  offerId: string;
  quantity: number;
}

export type ReservationReceipt = {
  reservationId: string;
  kind: ReservationKind;
  offerId: string;
  offerName: string;
  quantity: number;
  amount: number;
  currency: string;
}

export interface ReleaseInput {
  bookingId: string;
}

/** `released`: units went back to the offer. `nothing-to-undo`: the step never took effect (a recorded no-op). */
export type ReleaseReceipt = {
  kind: ReservationKind;
  outcome: 'released' | 'nothing-to-undo';
  offerId?: string;
  quantity?: number;
}

export type BookingOutcomeStatus = 'CONFIRMED' | 'COMPENSATED' | 'CANCELLED';

/** The forward steps of a trip, in the order they may run. */
export type SagaStepName = ReservationKind | 'payment' | 'confirm';

export interface BookingOutcomeInput {
  bookingId: string;
  status: BookingOutcomeStatus;
  reason?: string;
  /** COMPENSATED: the step whose failure undid the trip (for the saga's metrics; the reason says it in words). */
  failedStep?: SagaStepName;
}

export type BookingOutcomeReceipt = {
  bookingId: string;
  status: BookingOutcomeStatus;
}

export interface PaymentInput {
  bookingId: string;
}

/** The trip's charge: the total of its reservations, taken once at the payment provider. */
export type PaymentReceipt = {
  paymentId: string;
  amount: number;
  currency: string;
  providerChargeId: string;
}

/** `refunded`: the charge was paid back. `nothing-to-undo`: no charge was ever taken (a recorded no-op). */
export type RefundReceipt =
  | { outcome: 'refunded'; paymentId: string; amount: number; currency: string; providerRefundId: string }
  | { outcome: 'nothing-to-undo' };
