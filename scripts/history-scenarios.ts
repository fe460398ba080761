// The runs `npm run histories:capture` records: one real saga per way the workflow code can go, so that replaying
// them exercises every branch a deployed change could break.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import pg from 'pg';
import { fakeCardLimit } from '../activities/fake-payment-provider.ts';
import type { BookingRequest } from '../src/bookings/booking-request.ts';
import type { BookingService } from '../src/bookings/booking-service.ts';
import type { OfferService } from '../src/offers/offer-service.ts';
import { cancelBookingSignal, getBookingStateQuery } from '../workflows/messages.ts';

export interface ScenarioContext {
  temporal: Client;
  offers: OfferService;
  databaseUrl: string;
  /** A booking service whose sagas stay open for cancellation this long after confirmation. */
  bookingsWithWindow(cancellationWindow: string): BookingService;
  /** Hotel offers whose reservation loses its connection once, after its transaction committed. */
  flakyHotelOffers: Set<string>;
}

export interface Scenario {
  name: string;
  /** The path through the saga the history pins down. */
  shows: string;
  /** Runs the saga to its end and returns its workflow id. */
  run(ctx: ScenarioContext): Promise<string>;
}

/**
 * Confirmed runs get a window that closes after a few seconds, so their histories end with the timer firing and the
 * workflow completing: replay then checks the whole run, including what the code does when the window closes.
 * Runs cancelled after confirmation get a long window and are cancelled inside it.
 */
const closesSoon = '3 seconds';
const staysOpen = '1 hour';

export const scenarios: Scenario[] = [
  {
    name: 'confirmed',
    shows: 'flight, hotel and car reserved; confirmed; the cancellation window closes',
    run: async (ctx) => settle(ctx, await book(ctx, closesSoon, await tripOffers(ctx))),
  },
  {
    name: 'confirmed-without-car',
    shows: 'the optional car left out',
    run: async (ctx) => settle(ctx, await book(ctx, closesSoon, await tripOffers(ctx, { car: null }))),
  },
  {
    name: 'compensated-at-flight',
    shows: 'the first step sold out: its no-op compensation, then COMPENSATED',
    run: async (ctx) => settle(ctx, await book(ctx, staysOpen, await tripOffers(ctx, { flight: 0 }))),
  },
  {
    name: 'compensated-at-hotel',
    shows: 'the hotel sold out: the flight is given back',
    run: async (ctx) => settle(ctx, await book(ctx, staysOpen, await tripOffers(ctx, { hotel: 0 }))),
  },
  {
    name: 'compensated-at-car',
    shows: 'the car sold out: hotel then flight given back, in reverse order',
    run: async (ctx) => settle(ctx, await book(ctx, staysOpen, await tripOffers(ctx, { car: 0 }))),
  },
  {
    name: 'payment-declined',
    shows: "the charge declined (the fake provider's card limit): refund no-op, car, hotel and flight given back",
    run: async (ctx) => settle(ctx, await book(ctx, staysOpen, await tripOffers(ctx, {}, { hotel: fakeCardLimit + 1 }))),
  },
  {
    name: 'cancelled-mid-saga',
    shows: 'the cancelBooking update while the hotel step is in flight: the forward scope is cancelled and unwound',
    run: async (ctx) => {
      const offers = await tripOffers(ctx);
      // Hold the hotel offer's row so the hotel step waits inside its transaction: the saga is provably mid-way.
      const blocker = new pg.Client({ connectionString: ctx.databaseUrl });
      await blocker.connect();
      try {
        await blocker.query('BEGIN');
        await blocker.query('SELECT id FROM offers WHERE id = $1 FOR UPDATE', [offers.hotel]);
        const bookings = ctx.bookingsWithWindow(staysOpen);
        const id = await book(ctx, staysOpen, offers);
        await until(async () => (await ctx.temporal.workflow.getHandle(id).query(getBookingStateQuery)).reservations.hotel === 'RESERVING');
        await bookings.cancelBooking(id, 'plans changed');
        await blocker.query('ROLLBACK');
        return await settle(ctx, id);
      } finally {
        await blocker.end();
      }
    },
  },
  {
    name: 'cancelled-after-confirmation',
    shows: 'the cancelBooking update inside the window: every step undone in reverse order',
    run: async (ctx) => {
      const id = await book(ctx, staysOpen, await tripOffers(ctx));
      await until(async () => (await ctx.temporal.workflow.getHandle(id).query(getBookingStateQuery)).status === 'CONFIRMED');
      await ctx.bookingsWithWindow(staysOpen).cancelBooking(id, 'plans changed');
      return settle(ctx, id);
    },
  },
  {
    name: 'cancelled-by-signal',
    shows: 'the requestCancellation signal (what the Temporal UI can send) after confirmation',
    run: async (ctx) => {
      const id = await book(ctx, staysOpen, await tripOffers(ctx));
      const handle = ctx.temporal.workflow.getHandle(id);
      await until(async () => (await handle.query(getBookingStateQuery)).status === 'CONFIRMED');
      await handle.signal(cancelBookingSignal, { reason: 'cancelled from the Temporal UI' });
      return settle(ctx, id);
    },
  },
  {
    name: 'workflow-cancelled',
    shows: 'a cancellation of the workflow itself after confirmation: the trip is undone all the same',
    run: async (ctx) => {
      const id = await book(ctx, staysOpen, await tripOffers(ctx));
      const handle = ctx.temporal.workflow.getHandle(id);
      await until(async () => (await handle.query(getBookingStateQuery)).status === 'CONFIRMED');
      await handle.cancel();
      return settle(ctx, id);
    },
  },
  {
    name: 'confirmed-while-waited-for',
    shows: 'POST /bookings with Prefer: wait: the awaitOutcome update, sent with the start, completes at CONFIRMED',
    run: async (ctx) => {
      const { booking, settled } = await ctx.bookingsWithWindow(closesSoon).createBooking(tripRequest(await tripOffers(ctx)), undefined, 30_000);
      if (settled?.status !== 'CONFIRMED') throw new Error(`the wait answered ${settled?.status ?? 'nothing'}`);
      return settle(ctx, booking.id);
    },
  },
  {
    name: 'retried-step',
    shows: 'the hotel step retried after a connection lost after its commit (attempt 2 completes)',
    run: async (ctx) => {
      const offers = await tripOffers(ctx);
      ctx.flakyHotelOffers.add(offers.hotel);
      return settle(ctx, await book(ctx, closesSoon, offers));
    },
  },
];

type TripOffers = { flight: string; hotel: string; car?: string };

async function tripOffers(
  ctx: ScenarioContext,
  capacity: { flight?: number; hotel?: number; car?: number | null } = {},
  price: { hotel?: number } = {},
): Promise<TripOffers> {
  const offer = async (kind: 'flight' | 'hotel' | 'car', available: number, name: string, amount: number) =>
    (await ctx.offers.create({ kind, name, capacity: available, price: { amount, currency: 'EUR' } })).id;
  return {
    flight: await offer('flight', capacity.flight ?? 10, 'TP123 Lisbon-Paris', 12_900),
    hotel: await offer('hotel', capacity.hotel ?? 10, 'Ritz Paris', price.hotel ?? 45_000),
    ...(capacity.car === null ? {} : { car: await offer('car', capacity.car ?? 10, 'Compact', 3_000) }),
  };
}

function tripRequest(offers: TripOffers): BookingRequest {
  return {
    traveler: { name: 'Ada Lovelace', email: 'ada@example.com' },
    flight: { offerId: offers.flight, seats: 2 },
    hotel: { offerId: offers.hotel, rooms: 1 },
    ...(offers.car ? { car: { offerId: offers.car } } : {}),
  };
}

async function book(ctx: ScenarioContext, cancellationWindow: string, offers: TripOffers): Promise<string> {
  return (await ctx.bookingsWithWindow(cancellationWindow).createBooking(tripRequest(offers))).booking.id;
}

/** Waits for the saga to close: a history is captured only once it is complete. */
async function settle(ctx: ScenarioContext, workflowId: string): Promise<string> {
  await ctx.temporal.workflow.getHandle(workflowId).result();
  return workflowId;
}

async function until(predicate: () => Promise<boolean>, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await predicate().catch(() => false)) return;
    await sleep(100);
  }
  throw new Error('condition not met in time');
}
