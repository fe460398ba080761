import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Client, Connection, WorkflowUpdateFailedError } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker, bundleWorkflowCode } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTemporalCli } from '../../src/temporal/cli.ts';
import { type DevServer, responsiveDevServerConfig, startTemporalDevServer } from '../../src/temporal/dev-server.ts';
import { devServerSearchAttributes } from '../../src/temporal/search-attributes.ts';
import type { bookTrip } from '../../workflows/book-trip.ts';
import { type BookTripInput, bookTripWorkflowType, cancelBookingUpdate, getBookingStateQuery } from '../../workflows/messages.ts';
import { type TripWorld, createInMemoryActivities, createTripWorld } from '../support/in-memory-activities.ts';

// The saga's logic on a Temporal dev server of this file's own, with the activities kept in memory: which steps it
// takes, in which order it undoes them, what it reports. No database, no broker.

// The failures these tests provoke on purpose are logged by the worker as warnings; only errors are news here.
Runtime.install({ logger: new DefaultLogger('ERROR') });

const worlds = new Map<string, TripWorld>();
let server: DevServer;
let client: Client;
let connection: Connection;
let workerConnection: NativeConnection;
let worker: Worker;
let running: Promise<void>;
const taskQueue = `unit-${randomUUID()}`;

beforeAll(async () => {
  const [cliPath, bundle] = await Promise.all([
    ensureTemporalCli(),
    bundleWorkflowCode({ workflowsPath: fileURLToPath(new URL('../../workflows/index.ts', import.meta.url)), logger: silent }),
  ]);
  server = await startTemporalDevServer({
    cliPath,
    uiPort: null,
    searchAttributes: devServerSearchAttributes(),
    dynamicConfig: responsiveDevServerConfig,
  });
  connection = await Connection.connect({ address: server.address });
  client = new Client({ connection, namespace: server.namespace });
  workerConnection = await NativeConnection.connect({ address: server.address });
  worker = await Worker.create({
    connection: workerConnection,
    namespace: server.namespace,
    taskQueue,
    workflowBundle: bundle,
    activities: createInMemoryActivities(worlds),
  });
  running = worker.run();
});

afterAll(async () => {
  for (const release of holds) release(); // a failed test must not leave the worker waiting on a held activity
  try {
    worker?.shutdown();
    await running;
    await workerConnection?.close();
    await connection?.close();
  } finally {
    await server?.stop(); // the dev server is a process of its own: never leave it behind
  }
});

const offers = {
  flight: { name: 'Lisbon flight', available: 10, amount: 20_000 },
  hotel: { name: 'Alfama hotel', available: 10, amount: 9_000 },
  car: { name: 'Compact', available: 10, amount: 4_000 },
};

function start(world: TripWorld, trip: Partial<BookTripInput> = {}) {
  const bookingId = `bk_${randomUUID()}`;
  worlds.set(bookingId, world);
  const input: BookTripInput = {
    bookingId,
    flight: { offerId: 'flight', quantity: 2, offerName: offers.flight.name },
    hotel: { offerId: 'hotel', quantity: 1, offerName: offers.hotel.name },
    car: { offerId: 'car', quantity: 1, offerName: offers.car.name },
    cancellationWindow: '1 second',
    ...trip,
  };
  return client.workflow.start<typeof bookTrip>(bookTripWorkflowType, { args: [input], taskQueue, workflowId: bookingId });
}

/** The activity ids the workflow scheduled, in order: the commands it emitted, as the Temporal UI lists them. */
async function scheduledActivities(handle: Awaited<ReturnType<typeof start>>): Promise<string[]> {
  const history = await handle.fetchHistory();
  return (history.events ?? []).flatMap((event) => {
    const id = event.activityTaskScheduledEventAttributes?.activityId;
    return id ? [id] : [];
  });
}

async function searchAttributes(handle: Awaited<ReturnType<typeof start>>) {
  const { searchAttributes } = await handle.describe();
  return { BookingStatus: searchAttributes.BookingStatus, FailedStep: searchAttributes.FailedStep };
}

const holds: (() => void)[] = [];

/** Holds an activity in flight until `release()` (or the end of the file); `started` resolves once the worker runs it. */
function hold() {
  let release!: () => void;
  let entered!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const started = new Promise<void>((resolve) => (entered = resolve));
  const hook = async () => {
    entered();
    await released;
  };
  holds.push(release);
  return { hook, started, release };
}

describe('bookTrip with activities in memory', () => {
  it('reserves flight, hotel and car, charges the total, confirms, and closes when the cancellation window ends', async () => {
    const world = createTripWorld(offers);
    const handle = await start(world);
    const state = await handle.result();

    expect(await scheduledActivities(handle)).toEqual(['reserve-flight', 'reserve-hotel', 'reserve-car', 'charge-payment', 'confirm']);
    expect(state).toEqual({
      bookingId: handle.workflowId,
      status: 'CONFIRMED',
      currentStep: null,
      reservations: { flight: 'RESERVED', hotel: 'RESERVED', car: 'RESERVED' },
      payment: 'CHARGED',
    });
    expect(world.charge).toEqual({ amount: 2 * 20_000 + 9_000 + 4_000, currency: 'EUR', refunded: false });
    expect(world.outcomes).toEqual([{ bookingId: handle.workflowId, status: 'CONFIRMED' }]);
    expect(await searchAttributes(handle)).toEqual({ BookingStatus: ['CONFIRMED'], FailedStep: undefined });
  });

  it('without a car it takes two reservations and marks the car NOT_REQUESTED', async () => {
    const world = createTripWorld(offers);
    const handle = await start(world, { car: undefined });
    const state = await handle.result();
    expect(await scheduledActivities(handle)).toEqual(['reserve-flight', 'reserve-hotel', 'charge-payment', 'confirm']);
    expect(state.reservations).toEqual({ flight: 'RESERVED', hotel: 'RESERVED', car: 'NOT_REQUESTED' });
    expect(world.charge?.amount).toBe(2 * 20_000 + 9_000);
  });

  it('a sold-out car undoes every step registered so far, most recent first, and names the failed step', async () => {
    const world = createTripWorld({ ...offers, car: { ...offers.car, available: 0 } });
    const handle = await start(world);
    const state = await handle.result();

    expect(await scheduledActivities(handle)).toEqual([
      'reserve-flight',
      'reserve-hotel',
      'reserve-car',
      'cancel-car',
      'cancel-hotel',
      'cancel-flight',
      'record-compensated',
    ]);
    expect(state).toMatchObject({
      status: 'COMPENSATED',
      currentStep: null,
      reservations: { flight: 'CANCELLED', hotel: 'CANCELLED', car: 'FAILED' },
      payment: 'SKIPPED',
    });
    expect(state.failureReason).toBe('car: OfferSoldOut: Compact is sold out: 1 wanted, 0 left');
    expect(world.calls.filter((name) => name === 'reserveCar')).toHaveLength(1); // a business rejection is not retried
    expect([...world.offers.values()].map((offer) => offer.available)).toEqual([10, 10, 0]);
    expect(world.outcomes).toEqual([{ bookingId: handle.workflowId, status: 'COMPENSATED', reason: state.failureReason, failedStep: 'car' }]);
    expect(await searchAttributes(handle)).toEqual({ BookingStatus: ['COMPENSATED'], FailedStep: ['car'] });
  });

  it('a declined payment refunds nothing, releases the three reservations and ends COMPENSATED with the payment FAILED', async () => {
    const world = createTripWorld(offers, { declinePayment: true });
    const handle = await start(world);
    const state = await handle.result();

    expect(await scheduledActivities(handle)).toEqual([
      'reserve-flight',
      'reserve-hotel',
      'reserve-car',
      'charge-payment',
      'refund-payment',
      'cancel-car',
      'cancel-hotel',
      'cancel-flight',
      'record-compensated',
    ]);
    expect(state).toMatchObject({
      status: 'COMPENSATED',
      reservations: { flight: 'CANCELLED', hotel: 'CANCELLED', car: 'CANCELLED' },
      payment: 'FAILED',
    });
    expect(state.failureReason).toMatch(/^payment: PaymentDeclined: /);
    expect(world.charge).toBeUndefined();
    expect(await searchAttributes(handle)).toEqual({ BookingStatus: ['COMPENSATED'], FailedStep: ['payment'] });
  });

  it('retries a step that failed for a transient reason, and confirms', async () => {
    const world = createTripWorld(offers);
    world.before.reserveHotel = (attempt) => {
      if (attempt === 1) throw new Error('connection reset');
    };
    const handle = await start(world);
    const state = await handle.result();
    expect(state.status).toBe('CONFIRMED');
    expect(world.calls.filter((name) => name === 'reserveHotel')).toHaveLength(2);
    expect(await scheduledActivities(handle)).toEqual(['reserve-flight', 'reserve-hotel', 'reserve-car', 'charge-payment', 'confirm']);
  });

  it('a cancel after confirmation refunds and releases everything; a second cancel meanwhile is refused', async () => {
    const world = createTripWorld(offers);
    const refund = hold();
    world.before.refundPayment = refund.hook;
    const handle = await start(world, { cancellationWindow: '1 hour' });
    await expect.poll(async () => (await handle.query(getBookingStateQuery)).status, { timeout: 20_000 }).toBe('CONFIRMED');

    const cancelling = await handle.executeUpdate(cancelBookingUpdate, { args: [{ reason: 'plans changed' }] });
    expect(cancelling.status).toBe('CANCELLING');
    await refund.started;
    const second = await handle.executeUpdate(cancelBookingUpdate, { args: [{}] }).catch((error: unknown) => error);
    expect(second).toBeInstanceOf(WorkflowUpdateFailedError);
    expect((second as WorkflowUpdateFailedError).cause).toMatchObject({ type: 'NothingToCancel' });
    refund.release();

    const state = await handle.result();
    expect(await scheduledActivities(handle)).toEqual([
      'reserve-flight',
      'reserve-hotel',
      'reserve-car',
      'charge-payment',
      'confirm',
      'refund-payment',
      'cancel-car',
      'cancel-hotel',
      'cancel-flight',
      'record-cancelled',
    ]);
    expect(state).toMatchObject({
      status: 'CANCELLED',
      cancelReason: 'plans changed',
      reservations: { flight: 'CANCELLED', hotel: 'CANCELLED', car: 'CANCELLED' },
      payment: 'REFUNDED',
    });
    expect(world.charge?.refunded).toBe(true);
    expect(world.outcomes.map((o) => o.status)).toEqual(['CONFIRMED', 'CANCELLED']);
  });

  it('a cancel while a reservation is in flight undoes that step too, and skips the steps never started', async () => {
    const world = createTripWorld(offers);
    const hotel = hold();
    world.before.reserveHotel = hotel.hook;
    const handle = await start(world);
    await hotel.started;

    await handle.executeUpdate(cancelBookingUpdate, { args: [{ reason: 'changed my mind' }] });
    const state = await handle.result();
    hotel.release();

    expect(await scheduledActivities(handle)).toEqual(['reserve-flight', 'reserve-hotel', 'cancel-hotel', 'cancel-flight', 'record-cancelled']);
    expect(state).toMatchObject({
      status: 'CANCELLED',
      cancelReason: 'changed my mind',
      reservations: { flight: 'CANCELLED', hotel: 'SKIPPED', car: 'SKIPPED' },
      payment: 'SKIPPED',
    });
  });

  it('cancelling the workflow itself unwinds the same way, shielded from the cancellation', async () => {
    const world = createTripWorld(offers);
    const car = hold();
    world.before.reserveCar = car.hook;
    const handle = await start(world);
    await car.started;

    await handle.cancel();
    const state = await handle.result();

    expect(await scheduledActivities(handle)).toEqual([
      'reserve-flight',
      'reserve-hotel',
      'reserve-car',
      'cancel-car',
      'cancel-hotel',
      'cancel-flight',
      'record-cancelled',
    ]);
    expect(state).toMatchObject({ status: 'CANCELLED', reservations: { flight: 'CANCELLED', hotel: 'CANCELLED', car: 'SKIPPED' } });
    expect(world.outcomes).toEqual([{ bookingId: handle.workflowId, status: 'CANCELLED', reason: 'the saga was cancelled' }]);
    expect([...world.offers.values()].map((offer) => offer.available)).toEqual([10, 10, 10]);
    car.release();
  });

  it('an offer that does not exist fails the step without a retry and compensates', async () => {
    const world = createTripWorld(offers);
    const handle = await start(world, { hotel: { offerId: 'nowhere', quantity: 1 } });
    const state = await handle.result();
    expect(state.status).toBe('COMPENSATED');
    expect(state.failureReason).toBe('hotel: OfferNotFound: offer nowhere does not exist');
    expect(await scheduledActivities(handle)).toEqual(['reserve-flight', 'reserve-hotel', 'cancel-hotel', 'cancel-flight', 'record-compensated']);
  });
});

const silent = { trace() {}, debug() {}, info() {}, log() {}, warn() {}, error() {} };
