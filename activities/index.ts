import type { Db } from '../src/db/prisma.ts';
import { recordBookingOutcome } from './booking-outcome.ts';
import { type Clock, systemClock } from '../src/lib/clock.ts';
import { createFakePaymentProvider } from './fake-payment-provider.ts';
import type { PaymentProvider } from './payment-provider.ts';
import { chargePayment, refundPayment } from './payments.ts';
import { releaseUnits, reserveUnits } from './reservations.ts';
import type { BookingOutcomeInput, PaymentInput, ReleaseInput, ReserveInput } from './types.ts';

export interface ActivityDependencies {
  prisma: Db;
  clock?: Clock;
  /** The payment service provider; the deterministic fake unless a real adapter is passed (see payment-provider.ts). */
  payments?: PaymentProvider;
}

/**
 * The saga's activities over their dependencies. The worker passes the real database; tests pass the real one too.
 * One activity per step and per compensation, so the Temporal UI names what happened (`reserveHotel`, `cancelFlight`).
 */
export function createActivities({ prisma, clock = systemClock, payments = createFakePaymentProvider() }: ActivityDependencies) {
  return {
    reserveFlight: (input: ReserveInput) => reserveUnits(prisma, clock, 'flight', input),
    reserveHotel: (input: ReserveInput) => reserveUnits(prisma, clock, 'hotel', input),
    reserveCar: (input: ReserveInput) => reserveUnits(prisma, clock, 'car', input),
    cancelFlight: (input: ReleaseInput) => releaseUnits(prisma, clock, 'flight', input),
    cancelHotel: (input: ReleaseInput) => releaseUnits(prisma, clock, 'hotel', input),
    cancelCar: (input: ReleaseInput) => releaseUnits(prisma, clock, 'car', input),
    chargePayment: (input: PaymentInput) => chargePayment(prisma, clock, payments, input),
    refundPayment: (input: PaymentInput) => refundPayment(prisma, clock, payments, input),
    recordBookingOutcome: (input: BookingOutcomeInput) => recordBookingOutcome(prisma, clock, input),
  };
}

export type BookingActivities = ReturnType<typeof createActivities>;
export type * from './types.ts';
