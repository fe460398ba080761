import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WorkflowFailedError } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/harness.ts';

// The same booking, run twice on the run's dev server and database: once by a saga without compensations
// (no-compensation/book-trip-without-compensation.ts), once by the project's bookTrip. The car is sold out both times.
let naive: Harness;
let project: Harness;
let bundleDir: string;

beforeAll(async () => {
  bundleDir = await mkdtemp(path.join(os.tmpdir(), 'tripsaga-no-compensation-'));
  const workflowBundlePath = path.join(bundleDir, 'workflows.js');
  const workflowsPath = fileURLToPath(new URL('./no-compensation/book-trip-without-compensation.ts', import.meta.url));
  await writeFile(workflowBundlePath, (await bundleWorkflowCode({ workflowsPath, logger: silent })).code);
  naive = await startHarness({ workflowBundlePath });
  project = await startHarness();
});
afterAll(async () => {
  await naive?.stop();
  await project?.stop();
  await rm(bundleDir, { recursive: true, force: true });
});

/** Two seats, a room, and a car that is sold out: the third step fails after two have taken units. */
async function tripWithSoldOutCar(h: Harness) {
  const offers = await h.tripOffers({ flight: 10, hotel: 10, car: 0 });
  const bookingId = await h.book(h.request({ flight: offers.flight.id, hotel: offers.hotel.id, car: offers.car.id }, 2, 1));
  return { bookingId, flight: offers.flight.id, hotel: offers.hotel.id };
}

async function leftAfter(h: Harness, trip: { bookingId: string; flight: string; hotel: string }) {
  const reservations = await h.prisma.reservation.findMany({ where: { bookingId: trip.bookingId }, orderBy: { createdAt: 'asc' } });
  return {
    available: { flight: await h.available(trip.flight), hotel: await h.available(trip.hotel) },
    reservations: reservations.map((r) => `${r.kind} ${r.status}`),
    booking: (await h.prisma.booking.findUniqueOrThrow({ where: { id: trip.bookingId } })).status,
  };
}

it('without compensations a sold-out car strands the seats and the room; bookTrip gives them back', async () => {
  const stranded = await tripWithSoldOutCar(naive);
  const failure = await naive.temporal.workflow.getHandle(stranded.bookingId).result().catch((error: unknown) => error);
  expect(failure).toBeInstanceOf(WorkflowFailedError);
  expect(String((failure as WorkflowFailedError).cause?.cause)).toMatch(/sold out/);
  const naiveEnd = await leftAfter(naive, stranded);
  console.log(`without compensation: flight ${naiveEnd.available.flight}/10 and hotel ${naiveEnd.available.hotel}/10 left, booking ${naiveEnd.booking}, ${naiveEnd.reservations.join(', ')}`);
  expect(naiveEnd).toEqual({
    available: { flight: 8, hotel: 9 },
    reservations: ['flight RESERVED', 'hotel RESERVED'],
    // Nobody will ever settle it: the workflow is closed, and a traveler sees a booking that is neither on nor off.
    booking: 'PENDING',
  });

  const undone = await tripWithSoldOutCar(project);
  const booking = await project.waitForStatus(undone.bookingId, 'COMPENSATED');
  const projectEnd = await leftAfter(project, undone);
  console.log(`bookTrip: flight ${projectEnd.available.flight}/10 and hotel ${projectEnd.available.hotel}/10 left, booking ${projectEnd.booking} (${booking.failureReason}), ${projectEnd.reservations.join(', ')}`);
  expect(projectEnd).toEqual({
    available: { flight: 10, hotel: 10 },
    reservations: ['flight CANCELLED', 'hotel CANCELLED'],
    booking: 'COMPENSATED',
  });
  expect(booking.failureReason).toMatch(/^car: OfferSoldOut: /);
  expect(await project.eventTypes(undone.bookingId)).toEqual(
    expect.arrayContaining(['flight.reserved', 'hotel.reserved', 'hotel.released', 'flight.released', 'booking.compensated']),
  );
});

const silent = { trace() {}, debug() {}, info() {}, log() {}, warn() {}, error() {} };
