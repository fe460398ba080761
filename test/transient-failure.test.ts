import { Context } from '@temporalio/activity';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createActivities } from '../activities/index.ts';
import type { ReserveInput } from '../activities/types.ts';
import { type Harness, startHarness } from './support/harness.ts';
import { confirmedTripEvents } from './support/expected-events.ts';

let h: Harness;
const attempts: number[] = [];

beforeAll(async () => {
  let real: ReturnType<typeof createActivities> | undefined;
  h = await startHarness({
    activities: {
      // The real activity commits, then the worker "loses the connection" before Temporal hears back: the worst
      // moment for a retry. Only the first attempt fails; Temporal retries it.
      reserveHotel: async (input: ReserveInput) => {
        real ??= createActivities({ prisma: h.prisma });
        const { attempt } = Context.current().info;
        attempts.push(attempt);
        const receipt = await real.reserveHotel(input);
        if (attempt === 1) throw new Error('ECONNRESET: connection lost after commit');
        return receipt;
      },
    },
  });
});
afterAll(async () => {
  await h?.stop();
});

it('a transient failure after commit is retried without a double booking', async () => {
  const offers = await h.tripOffers();
  const id = await h.book(h.request({ flight: offers.flight.id, hotel: offers.hotel.id, car: offers.car.id }, 1, 3));
  await h.waitForStatus(id, 'CONFIRMED');

  expect(attempts).toEqual([1, 2]);
  expect(await h.available(offers.hotel.id)).toBe(7);
  expect(await h.prisma.reservation.count({ where: { bookingId: id, kind: 'hotel' } })).toBe(1);
  expect(await h.eventTypes(id)).toEqual([...confirmedTripEvents]);
  // The history shows the retry: the hotel activity completed on its second attempt.
  const history = await h.temporal.workflow.getHandle(id).fetchHistory();
  const hotelStarted = history.events?.filter((e) => e.activityTaskStartedEventAttributes && e.activityTaskStartedEventAttributes.attempt === 2);
  expect(hotelStarted).toHaveLength(1);
});
