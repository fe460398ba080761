import type { Sandbox } from './sandbox.ts';

/**
 * Trips that between them make the producers write every event type: a confirmed trip later cancelled, a trip
 * undone because its car is sold out, and a confirmed trip without a car.
 */
export async function runTripScenarios(sandbox: Sandbox) {
  const flight = await sandbox.offer('flight', 'TP123 Lisbon-Paris', 10, 12_900);
  const hotel = await sandbox.offer('hotel', 'Ritz Paris', 5, 45_000);
  const car = await sandbox.offer('car', 'Compact', 3, 3_000);
  const soldOutCar = await sandbox.offer('car', 'Convertible', 0, 9_000);
  const traveler = { name: 'Ada Lovelace', email: 'ada@example.com' };

  const confirmedThenCancelled = await sandbox.book({
    traveler,
    flight: { offerId: flight.id, seats: 2 },
    hotel: { offerId: hotel.id, rooms: 1 },
    car: { offerId: car.id },
  });
  await sandbox.waitForStatus(confirmedThenCancelled, 'CONFIRMED');
  await sandbox.bookings.cancelBooking(confirmedThenCancelled, 'plans changed');
  await sandbox.waitForStatus(confirmedThenCancelled, 'CANCELLED');

  const compensated = await sandbox.book({
    traveler: { name: 'Grace Hopper', email: 'grace@example.com' },
    flight: { offerId: flight.id, seats: 1 },
    hotel: { offerId: hotel.id, rooms: 1 },
    car: { offerId: soldOutCar.id },
  });
  await sandbox.waitForStatus(compensated, 'COMPENSATED');

  const confirmedWithoutCar = await sandbox.book({
    traveler: { name: 'Alan Turing', email: 'alan@example.com' },
    flight: { offerId: flight.id, seats: 1 },
    hotel: { offerId: hotel.id, rooms: 2 },
  });
  await sandbox.waitForStatus(confirmedWithoutCar, 'CONFIRMED');

  return {
    'confirmed-then-cancelled': confirmedThenCancelled,
    'compensated-car-sold-out': compensated,
    'confirmed-without-car': confirmedWithoutCar,
  };
}
