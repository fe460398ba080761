import type { Db } from '../src/db/prisma.ts';
import { recordBookingOutcome } from './booking-outcome.ts';
import { type Clock, systemClock } from '../src/lib/clock.ts';
import { walletPaymentMethod } from '../src/wallet/wallet-payment-method.ts';
import { defaultWalletSettings, type WalletSettings } from '../src/wallet/wallet-settings.ts';
import { providerPaymentMethod } from './payment-method.ts';
import type { PaymentProvider } from './payment-provider.ts';
import { chargePayment, refundPayment } from './payments.ts';
import { releaseUnits, reserveUnits } from './reservations.ts';
import type { BookingOutcomeInput, PaymentInput, ReleaseInput, ReserveInput } from './types.ts';

export interface ActivityDependencies {
  prisma: Db;
  clock?: Clock;
  /**
   * Pay with this payment service provider (a real adapter, or the deterministic fake: see payment-provider.ts)
   * instead of the default, the traveler's event-sourced wallet.
   */
  payments?: PaymentProvider;
  /** The wallet's opening credit and snapshot interval, when the wallet pays. */
  wallet?: WalletSettings;
}

/**
 * The saga's activities over their dependencies. The worker passes the real database; tests pass the real one too.
 * One activity per step and per compensation, so the Temporal UI names what happened (`reserveHotel`, `cancelFlight`).
 */
export function createActivities({ prisma, clock = systemClock, payments, wallet = defaultWalletSettings }: ActivityDependencies) {
  const method = payments ? providerPaymentMethod(payments) : walletPaymentMethod(wallet, () => clock.now());
  return {
    reserveFlight: (input: ReserveInput) => reserveUnits(prisma, clock, 'flight', input),
    reserveHotel: (input: ReserveInput) => reserveUnits(prisma, clock, 'hotel', input),
    reserveCar: (input: ReserveInput) => reserveUnits(prisma, clock, 'car', input),
    cancelFlight: (input: ReleaseInput) => releaseUnits(prisma, clock, 'flight', input),
    cancelHotel: (input: ReleaseInput) => releaseUnits(prisma, clock, 'hotel', input),
    cancelCar: (input: ReleaseInput) => releaseUnits(prisma, clock, 'car', input),
    chargePayment: (input: PaymentInput) => chargePayment(prisma, clock, method, input),
    refundPayment: (input: PaymentInput) => refundPayment(prisma, clock, method, input),
    recordBookingOutcome: (input: BookingOutcomeInput) => recordBookingOutcome(prisma, clock, input),
  };
}

export type BookingActivities = ReturnType<typeof createActivities>;
export type * from './types.ts';
