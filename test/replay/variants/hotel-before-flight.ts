import type { BookTripInput } from '../../../workflows/messages.ts';
import type { PlannedReservation } from '../../../workflows/trip-plan.ts';

/** Stands in for workflows/trip-plan.ts in the negative replay test: the saga as it would be if someone swapped two steps. */
export function reservationOrder(input: BookTripInput): PlannedReservation[] {
  const steps: PlannedReservation[] = [
    { kind: 'hotel', step: input.hotel },
    { kind: 'flight', step: input.flight },
  ];
  if (input.car) steps.push({ kind: 'car', step: input.car });
  return steps;
}
