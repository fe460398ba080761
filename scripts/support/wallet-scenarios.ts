import { walletStreamId } from '../../src/wallet/wallet-stream.ts';
import type { Sandbox } from './sandbox.ts';

/**
 * A wallet whose stream holds every wallet event type: opened by a deposit, charged by a confirmed trip, refunded
 * when the trip is cancelled, and a trip over the balance declined (which appends nothing).
 */
export async function runWalletScenarios(sandbox: Sandbox) {
  const traveler = { name: 'Mary Somerville', email: 'mary@example.com' };
  const flight = await sandbox.offer('flight', 'AF1234 Paris-Edinburgh', 10, 18_900);
  const hotel = await sandbox.offer('hotel', 'Balmoral', 5, 52_000);
  await sandbox.wallets.deposit(traveler.email, { amount: 25_000, currency: 'EUR' }, 'mary-top-up-1');

  const trip = await sandbox.book({ traveler, flight: { offerId: flight.id, seats: 1 }, hotel: { offerId: hotel.id, rooms: 1 } });
  await sandbox.waitForStatus(trip, 'CONFIRMED');
  await sandbox.bookings.cancelBooking(trip, 'plans changed');
  await sandbox.waitForStatus(trip, 'CANCELLED');

  const suite = await sandbox.offer('hotel', 'Balmoral, the royal suite', 1, 1_100_000);
  const tooDear = await sandbox.book({ traveler, flight: { offerId: flight.id, seats: 1 }, hotel: { offerId: suite.id, rooms: 1 } });
  await sandbox.waitForStatus(tooDear, 'COMPENSATED');
  return { 'wallet-deposit-charge-refund': walletStreamId(traveler.email) };
}
