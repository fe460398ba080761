import type { ReservationKind } from '../activities/index.ts';
import type { BookTripInput, TripStep } from './messages.ts';

export interface PlannedReservation {
  kind: ReservationKind;
  step: TripStep;
}

/**
 * The order the saga reserves in: flight, hotel, then the optional car. Every running saga replays this order, so
 * changing it is a versioned change (behind `patched()`, see docs/changing-the-workflow.md); the replay suite
 * proves it by rejecting a variant that reserves the hotel first.
 */
export function reservationOrder(input: BookTripInput): PlannedReservation[] {
  const steps: PlannedReservation[] = [
    { kind: 'flight', step: input.flight },
    { kind: 'hotel', step: input.hotel },
  ];
  if (input.car) steps.push({ kind: 'car', step: input.car });
  return steps;
}
