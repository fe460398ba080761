import { WorkflowClient } from '@temporalio/client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createBookingService } from '../src/bookings/booking-service.ts';
import { type Harness, startHarness } from './support/harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

// An API killed in a burst of bookings: its start call reached Temporal, but the process died before it recorded
// `workflow_started_at`. The saga runs and ends before the saga starter's next scan (which looks at PENDING bookings
// only), so nobody would ever record it, and the booking would look as if its saga never started.
it('records the start of a saga whose starter died right after starting it', async () => {
  const offers = await h.tripOffers();
  const dyingTemporal = Object.create(h.temporal, {
    workflow: {
      value: Object.assign(Object.create(Object.getPrototypeOf(h.temporal.workflow) as WorkflowClient), h.temporal.workflow, {
        start: async (...args: Parameters<WorkflowClient['start']>) => {
          await h.temporal.workflow.start(...args);
          throw new Error('the process was killed here');
        },
      }),
    },
  });
  const dyingApi = createBookingService({
    prisma: h.prisma,
    temporal: dyingTemporal,
    taskQueue: h.taskQueue,
    clock: { now: () => new Date() },
    temporalUiUrl: 'http://localhost:8233',
    travelerPseudonym: h.protection.travelerPseudonym,
  });

  const { booking } = await dyingApi.createBooking(h.request({ flight: offers.flight.id, hotel: offers.hotel.id }));
  const confirmed = await h.waitForStatus(booking.id, 'CONFIRMED');
  expect(confirmed.workflowStartedAt).not.toBeNull();
  // ...and the starter has nothing left to look at for it.
  expect(await h.prisma.booking.count({ where: { id: booking.id, status: 'PENDING', workflowStartedAt: null } })).toBe(0);
});
