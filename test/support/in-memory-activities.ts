import type { ApplicationFailure } from '@temporalio/common';
import { businessFailure } from '../../activities/errors.ts';
import type {
  BookingActivities,
  BookingOutcomeInput,
  PaymentInput,
  ReleaseInput,
  ReleaseReceipt,
  ReservationKind,
  ReservationReceipt,
  ReserveInput,
} from '../../activities/index.ts';
import { reservedTotal } from '../../src/lib/money.ts';

/**
 * The saga's activities over an in-memory world instead of the database: offers with units, the reservations and
 * the charge of each booking, the outcome recorded. They keep the contract the workflow relies on (idempotent steps,
 * compensations that are a recorded no-op when the step never took effect, business rejections as non-retryable
 * failures with a `type`), so the workflow's logic can be tested without PostgreSQL. Whether the real activities keep
 * that contract is the integration tier's job (test/activities.test.ts, test/saga.test.ts).
 */
export interface FakeOffer {
  name: string;
  available: number;
  /** Price of one unit, in cents (EUR). */
  amount: number;
}

type ActivityName = keyof BookingActivities;

/** Runs before an activity's effect: throw to fail this attempt, or wait to hold the activity in flight. */
export type BeforeHook = (attempt: number) => Promise<void> | void;

export interface TripWorld {
  offers: Map<string, FakeOffer>;
  /** Every activity call in the order the worker ran them, e.g. `reserveFlight`, `cancelCar`. */
  calls: ActivityName[];
  reservations: Map<ReservationKind, { offerId: string; quantity: number; amount: number; released: boolean }>;
  charge?: { amount: number; currency: string; refunded: boolean };
  outcomes: BookingOutcomeInput[];
  before: Partial<Record<ActivityName, BeforeHook>>;
  declinePayment: boolean;
}

export function createTripWorld(offers: Record<string, FakeOffer>, options: { declinePayment?: boolean } = {}): TripWorld {
  return {
    offers: new Map(Object.entries(offers).map(([id, offer]) => [id, { ...offer }])),
    calls: [],
    reservations: new Map(),
    outcomes: [],
    before: {},
    declinePayment: options.declinePayment ?? false,
  };
}

/** Activities for every booking of a test file: each call is routed to the world registered for its booking id. */
export function createInMemoryActivities(worlds: Map<string, TripWorld>): BookingActivities {
  const attempts = new Map<string, number>();
  async function enter(name: ActivityName, bookingId: string): Promise<TripWorld> {
    const world = worlds.get(bookingId);
    if (!world) throw businessFailure('BookingNotFound', `no world for booking ${bookingId}`);
    const key = `${bookingId}/${name}`;
    const attempt = (attempts.get(key) ?? 0) + 1;
    attempts.set(key, attempt);
    world.calls.push(name);
    await world.before[name]?.(attempt);
    return world;
  }

  const reserve = (kind: ReservationKind, name: ActivityName) => async (input: ReserveInput): Promise<ReservationReceipt> => {
    const world = await enter(name, input.bookingId);
    const offer = world.offers.get(input.offerId);
    if (!offer) throw businessFailure('OfferNotFound', `offer ${input.offerId} does not exist`);
    const receipt = (quantity: number, amount: number): ReservationReceipt => ({
      reservationId: `${input.bookingId}-${kind}`,
      kind,
      offerId: input.offerId,
      offerName: offer.name,
      quantity,
      amount,
      currency: 'EUR',
    });
    const taken = world.reservations.get(kind);
    if (taken) return receipt(taken.quantity, taken.amount); // a retried step: the first attempt took effect
    if (offer.available < input.quantity) {
      throw soldOut(offer, input.quantity);
    }
    offer.available -= input.quantity;
    const amount = offer.amount * input.quantity;
    world.reservations.set(kind, { offerId: input.offerId, quantity: input.quantity, amount, released: false });
    return receipt(input.quantity, amount);
  };

  const release = (kind: ReservationKind, name: ActivityName) => async (input: ReleaseInput): Promise<ReleaseReceipt> => {
    const world = await enter(name, input.bookingId);
    const taken = world.reservations.get(kind);
    if (!taken || taken.released) return { kind, outcome: 'nothing-to-undo' };
    taken.released = true;
    world.offers.get(taken.offerId)!.available += taken.quantity;
    return { kind, outcome: 'released', offerId: taken.offerId, quantity: taken.quantity };
  };

  return {
    reserveFlight: reserve('flight', 'reserveFlight'),
    reserveHotel: reserve('hotel', 'reserveHotel'),
    reserveCar: reserve('car', 'reserveCar'),
    cancelFlight: release('flight', 'cancelFlight'),
    cancelHotel: release('hotel', 'cancelHotel'),
    cancelCar: release('car', 'cancelCar'),

    async chargePayment(input: PaymentInput) {
      const world = await enter('chargePayment', input.bookingId);
      const items = [...world.reservations.values()].filter((r) => !r.released).map((r) => ({ amount: r.amount, currency: 'EUR' }));
      const total = reservedTotal(items);
      if (world.declinePayment) throw businessFailure('PaymentDeclined', `the card was declined for ${total.amount} ${total.currency}`);
      world.charge ??= { ...total, refunded: false };
      return { paymentId: `${input.bookingId}-payment`, ...total, providerChargeId: `ch_${input.bookingId}` };
    },

    async refundPayment(input: PaymentInput) {
      const world = await enter('refundPayment', input.bookingId);
      const charge = world.charge;
      if (!charge || charge.refunded) return { outcome: 'nothing-to-undo' as const };
      charge.refunded = true;
      return {
        outcome: 'refunded' as const,
        paymentId: `${input.bookingId}-payment`,
        amount: charge.amount,
        currency: charge.currency,
        providerRefundId: `re_${input.bookingId}`,
      };
    },

    async recordBookingOutcome(input: BookingOutcomeInput) {
      const world = await enter('recordBookingOutcome', input.bookingId);
      world.outcomes.push(input);
      return { bookingId: input.bookingId, status: input.status };
    },
  };
}

function soldOut(offer: FakeOffer, wanted: number): ApplicationFailure {
  return businessFailure('OfferSoldOut', `${offer.name} is sold out: ${wanted} wanted, ${offer.available} left`);
}
