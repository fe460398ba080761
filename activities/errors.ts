import { ApplicationFailure } from '@temporalio/common';

/**
 * Business rejections a saga step can meet. Each is a non-retryable ApplicationFailure whose `type` is one of these,
 * so the workflow (and anyone reading the history) can tell "the world said no" from "the infrastructure hiccupped":
 * anything else an activity throws (a dropped connection, a timeout) stays retryable.
 */
export type BusinessErrorType =
  | 'OfferSoldOut'
  | 'OfferNotFound'
  | 'OfferKindMismatch'
  | 'BookingNotFound'
  | 'StepAlreadyCompensated'
  | 'InvalidStatusTransition'
  | 'PaymentDeclined'
  | 'TripNotChargeable';

export function businessFailure(type: BusinessErrorType, message: string, details?: Record<string, unknown>) {
  return ApplicationFailure.create({ type, message, nonRetryable: true, details: details ? [details] : undefined });
}
