import type { BookingActivities, BookingOutcomeInput, PaymentInput, ReleaseInput, ReservationKind, ReserveInput } from '../../activities/index.ts';
import { businessFailure } from '../../activities/errors.ts';
import type { Db } from '../../src/db/prisma.ts';
import { transactionOptions } from '../../src/db/prisma.ts';
import { handleCommand } from '../../src/event-store/handle-command.ts';
import { EventType } from '../../src/events/event-types.ts';
import { reservedTotal } from '../../src/lib/money.ts';
import { decideOpeningIfNeeded, isRejection } from '../../src/wallet/decide.ts';
import { projectWalletSummary } from '../../src/wallet/projections/wallet-summary.ts';
import { defaultWalletSettings } from '../../src/wallet/wallet-settings.ts';
import { travelerKey, walletAggregate, walletStreamId } from '../../src/wallet/wallet-stream.ts';
import type { AfterCommitPublisher, AnyAnnouncedEvent } from './after-commit-publisher.ts';

const reservedEvent = { flight: EventType.flightReserved, hotel: EventType.hotelReserved, car: EventType.carReserved } as const;
const releasedEvent = { flight: EventType.flightReleased, hotel: EventType.hotelReleased, car: EventType.carReleased } as const;
/** Where each event sits in a booking's happy path; nothing downstream checks it (no inbox), so a fixed table does. */
const happyPathSequence = { flight: 3, hotel: 4, car: 5, payment: 6, outcome: 7 } as const;

/**
 * THE ANTI-PATTERN, on purpose: the saga's activities as event-driven code is often first written. The same rows and
 * the same inventory statements as activities/ (conditional decrement, reservation row, payment row, the wallet's
 * event-sourced charge, the booking's status), in the same order, but:
 * - no idempotency record: a retried attempt whose commit was lost takes the units again, charges again;
 * - no booking lock: a step and its compensation can interleave;
 * - no outbox: each event is published after the commit (see after-commit-publisher.ts), or lost.
 * Bench-only, never imported by src/: it prices what those three save, nothing else.
 */
export function createNaiveActivities(prisma: Db, publisher: AfterCommitPublisher): BookingActivities {
  const settings = defaultWalletSettings;

  async function reserve(kind: ReservationKind, { bookingId, offerId, quantity }: ReserveInput) {
    const { receipt, event } = await prisma.$transaction(async (tx) => {
      const [offer] = await tx.offer.updateManyAndReturn({
        where: { id: offerId, kind, available: { gte: quantity } },
        data: { available: { decrement: quantity } },
        select: { name: true, priceAmount: true, currency: true },
      });
      if (!offer) throw businessFailure('OfferSoldOut', `No ${kind} units left in offer ${offerId}`, { offerId, kind });
      const amount = offer.priceAmount * quantity;
      const now = new Date();
      const reservation = await tx.reservation.create({ data: { bookingId, kind, offerId, quantity, amount, currency: offer.currency, createdAt: now } });
      const receipt = { reservationId: reservation.id, kind, offerId, offerName: offer.name, quantity, amount, currency: offer.currency };
      const event = { aggregateId: bookingId, sequence: happyPathSequence[kind], type: reservedEvent[kind], data: { bookingId, ...receipt }, occurredAt: now };
      return { receipt, event: event as AnyAnnouncedEvent };
    }, transactionOptions);
    await publisher.publish([event]);
    return receipt;
  }

  async function release(kind: ReservationKind, { bookingId }: ReleaseInput) {
    const found = await prisma.$transaction(async (tx) => {
      const reservation = await tx.reservation.findUnique({ where: { bookingId_kind: { bookingId, kind } } });
      if (!reservation || reservation.status === 'CANCELLED') return undefined;
      await tx.reservation.update({ where: { id: reservation.id }, data: { status: 'CANCELLED', cancelledAt: new Date() } });
      await tx.offer.update({ where: { id: reservation.offerId }, data: { available: { increment: reservation.quantity } } });
      return reservation;
    }, transactionOptions);
    if (!found) return { kind, outcome: 'nothing-to-undo' as const };
    const data = { bookingId, reservationId: found.id, offerId: found.offerId, quantity: found.quantity };
    await publisher.publish([{ aggregateId: bookingId, sequence: 100, type: releasedEvent[kind], data, occurredAt: new Date() } as AnyAnnouncedEvent]);
    return { kind, outcome: 'released' as const, offerId: found.offerId, quantity: found.quantity };
  }

  async function chargePayment({ bookingId }: PaymentInput) {
    const { receipt, events } = await prisma.$transaction(async (tx) => {
      const booking = await tx.booking.findUniqueOrThrow({ where: { id: bookingId }, select: { travelerEmail: true } });
      const reservations = await tx.reservation.findMany({ where: { bookingId, status: 'RESERVED' }, select: { amount: true, currency: true } });
      const { amount, currency } = reservedTotal(reservations);
      const now = new Date();
      // The wallet's own event-sourced charge, as the real step makes it, minus the outbox announcement of its events.
      const streamId = walletStreamId(booking.travelerEmail);
      const opening = { type: 'OpenWallet' as const, traveler: travelerKey(booking.travelerEmail), openingCredit: settings.openingCredit };
      const handled = await handleCommand(
        tx,
        walletAggregate(settings),
        streamId,
        (state) => {
          const decision = decideOpeningIfNeeded({ type: 'Charge', bookingId, amount: { amount, currency } }, state, opening);
          if (isRejection(decision)) throw businessFailure('PaymentDeclined', decision.message, { bookingId });
          return decision;
        },
        { metadata: { bookingId }, recordedAt: now },
      );
      await projectWalletSummary(tx, streamId, handled.state, handled.version, now);
      const chargeId = `${streamId}:charge:${bookingId}`;
      const payment = await tx.payment.create({ data: { bookingId, amount, currency, providerChargeId: chargeId, chargedAt: now } });
      const receipt = { paymentId: payment.id, amount, currency, providerChargeId: chargeId };
      const walletEvents = handled.appended.map(
        (e) => ({ aggregateId: streamId, sequence: e.streamPosition, type: e.type, data: e.data, occurredAt: e.recordedAt }) as AnyAnnouncedEvent,
      );
      const charged = { aggregateId: bookingId, sequence: happyPathSequence.payment, type: EventType.paymentCharged, data: { bookingId, ...receipt }, occurredAt: now };
      return { receipt, events: [...walletEvents, charged as AnyAnnouncedEvent] };
    }, transactionOptions);
    await publisher.publish(events);
    return receipt;
  }

  async function refundPayment({ bookingId }: PaymentInput) {
    const refunded = await prisma.$transaction(async (tx) => {
      const payment = await tx.payment.findUnique({ where: { bookingId } });
      if (!payment || payment.status === 'REFUNDED') return undefined;
      const refundId = `${payment.providerChargeId}:refund`;
      await tx.payment.update({ where: { id: payment.id }, data: { status: 'REFUNDED', providerRefundId: refundId, refundedAt: new Date() } });
      return { paymentId: payment.id, amount: payment.amount, currency: payment.currency, providerRefundId: refundId };
    }, transactionOptions);
    if (!refunded) return { outcome: 'nothing-to-undo' as const };
    await publisher.publish([{ aggregateId: bookingId, sequence: 101, type: EventType.paymentRefunded, data: { bookingId, ...refunded }, occurredAt: new Date() }]);
    return { outcome: 'refunded' as const, ...refunded };
  }

  async function recordBookingOutcome({ bookingId, status, reason }: BookingOutcomeInput) {
    const events = await prisma.$transaction(async (tx) => {
      const booking = await tx.booking.findUniqueOrThrow({ where: { id: bookingId }, include: { reservations: { orderBy: { createdAt: 'asc' } } } });
      const now = new Date();
      await tx.booking.update({ where: { id: bookingId }, data: { status, failureReason: reason ?? null, updatedAt: now } });
      const reservations = booking.reservations.map((r) => ({ kind: r.kind, offerId: r.offerId, quantity: r.quantity, amount: r.amount, currency: r.currency, status: r.status }));
      const settled = { bookingId, ...(reason ? { reason } : {}), traveler: { name: booking.travelerName, email: booking.travelerEmail }, reservations };
      const sequence = happyPathSequence.outcome;
      const outcome =
        status === 'CONFIRMED'
          ? { type: EventType.bookingConfirmed, data: { ...settled, status, total: reservedTotal(reservations) } }
          : { type: status === 'COMPENSATED' ? EventType.bookingCompensated : EventType.bookingCancelled, data: { ...settled, status } };
      return [
        { aggregateId: bookingId, sequence, ...outcome, occurredAt: now } as AnyAnnouncedEvent,
        { aggregateId: bookingId, sequence: sequence + 1, type: EventType.bookingStatusChanged, data: { bookingId }, occurredAt: now } as AnyAnnouncedEvent,
      ];
    }, transactionOptions);
    await publisher.publish(events);
    return { bookingId, status };
  }

  return {
    reserveFlight: (input) => reserve('flight', input),
    reserveHotel: (input) => reserve('hotel', input),
    reserveCar: (input) => reserve('car', input),
    cancelFlight: (input) => release('flight', input),
    cancelHotel: (input) => release('hotel', input),
    cancelCar: (input) => release('car', input),
    chargePayment,
    refundPayment,
    recordBookingOutcome,
  };
}
