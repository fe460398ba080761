/** Why a booking operation was refused, in terms the API turns into a status code and a client can act on. */
export type BookingErrorCode =
  | 'booking_not_found'
  | 'offer_not_bookable'
  | 'idempotency_key_reused'
  | 'nothing_to_cancel'
  | 'saga_unavailable'
  | 'too_many_running_sagas';

export interface FieldProblem {
  path: string;
  reason: string;
}

export class BookingError extends Error {
  override readonly name = 'BookingError';
  constructor(
    readonly code: BookingErrorCode,
    message: string,
    readonly fields: FieldProblem[] = [],
  ) {
    super(message);
  }
}
