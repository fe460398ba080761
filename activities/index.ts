import type { Db } from '../src/db/prisma.ts';
import { recordBookingOutcome } from './booking-outcome.ts';
import { type Clock, systemClock } from './clock.ts';
import { releaseUnits, reserveUnits } from './reservations.ts';
import type { BookingOutcomeInput, ReleaseInput, ReserveInput } from './types.ts';

export interface ActivityDependencies {
  prisma: Db;
  clock?: Clock;
}

/**
 * The saga's activities over their dependencies. The worker passes the real database; tests pass the real one too.
 * One activity per step and per compensation, so the Temporal UI names what happened (`reserveHotel`, `cancelFlight`).
 */
export function createActivities({ prisma, clock = systemClock }: ActivityDependencies) {
  return {
    reserveFlight: (input: ReserveInput) => reserveUnits(prisma, clock, 'flight', input),
    reserveHotel: (input: ReserveInput) => reserveUnits(prisma, clock, 'hotel', input),
    reserveCar: (input: ReserveInput) => reserveUnits(prisma, clock, 'car', input),
    cancelFlight: (input: ReleaseInput) => releaseUnits(prisma, clock, 'flight', input),
    cancelHotel: (input: ReleaseInput) => releaseUnits(prisma, clock, 'hotel', input),
    cancelCar: (input: ReleaseInput) => releaseUnits(prisma, clock, 'car', input),
    recordBookingOutcome: (input: BookingOutcomeInput) => recordBookingOutcome(prisma, clock, input),
  };
}

export type BookingActivities = ReturnType<typeof createActivities>;
export type * from './types.ts';
