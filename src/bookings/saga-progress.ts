import type { BookingState, PaymentStepStatus, StepStatus } from '../../workflows/messages.ts';
import type { StoredBookingView } from './booking-read.ts';

type StoredRequest = { car?: unknown };
type ReservationKind = 'flight' | 'hotel' | 'car';

/**
 * A running saga's progress as its committed steps record it: each step writes its reservation or payment row in the
 * transaction that announces it, so these rows say what the saga has done without asking the workflow. Asking it
 * (the `getBookingState` query) costs the Temporal server a workflow task per read and waits for a worker; a read here
 * is the one query GET /bookings/:id already sends.
 *
 * The step in flight is the first one not recorded yet: the saga starts it as soon as the step before it committed.
 * What only the workflow knows (an attempt under way but failing, a cancel request not acted on yet) shows once a step
 * commits: a compensation's row, or the outcome the saga records when it settles. The Temporal UI and the query keep
 * the workflow's own view.
 */
export function sagaProgress(booking: StoredBookingView): BookingState | undefined {
  if (!booking.workflowStartedAt || (booking.status !== 'PENDING' && booking.status !== 'CONFIRMED')) return undefined;
  const kinds: ReservationKind[] = (booking.request as StoredRequest).car ? ['flight', 'hotel', 'car'] : ['flight', 'hotel'];
  const row = (kind: ReservationKind) => booking.reservations.find((r) => r.kind === kind);
  const undoing = booking.reservations.some((r) => r.status === 'CANCELLED') || booking.payment?.status === 'REFUNDED';
  const reservations: Record<ReservationKind, StepStatus> = { flight: 'PENDING', hotel: 'PENDING', car: 'NOT_REQUESTED' };
  for (const kind of kinds) reservations[kind] = row(kind)?.status ?? 'PENDING';
  let payment: PaymentStepStatus = booking.payment?.status ?? 'PENDING';
  const base = { bookingId: booking.id, reservations, ...(booking.failureReason ? { failureReason: booking.failureReason } : {}) };

  if (undoing) {
    // Only a cancellation undoes a confirmed trip; a pending one may be either until its outcome is recorded.
    return { ...base, status: booking.status === 'CONFIRMED' ? 'CANCELLING' : 'COMPENSATING', currentStep: 'compensate', payment };
  }
  if (booking.status === 'CONFIRMED') {
    // A confirmed booking without a payment row was confirmed by a run from before the payment step.
    return { ...base, status: 'CONFIRMED', currentStep: null, payment: booking.payment ? payment : 'NOT_REQUESTED' };
  }
  const next = kinds.find((kind) => !row(kind));
  if (next) {
    reservations[next] = 'RESERVING';
    return { ...base, status: 'PENDING', currentStep: next, payment };
  }
  if (!booking.payment) {
    payment = 'CHARGING';
    return { ...base, status: 'PENDING', currentStep: 'payment', payment };
  }
  return { ...base, status: 'PENDING', currentStep: 'confirm', payment };
}
