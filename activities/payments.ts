import { type Db, type Tx, transactionOptions } from '../src/db/prisma.ts';
import { appendOutboxEvent } from '../src/outbox/append-event.ts';
import { EventType } from '../src/events/event-types.ts';
import type { Clock } from '../src/lib/clock.ts';
import { formatMoney, type Money, reservedCurrencies, reservedTotal } from '../src/lib/money.ts';
import { businessFailure } from './errors.ts';
import type { Payer, PaymentMethod } from './payment-method.ts';
import { runStepOnceIn, stepKey } from './run-step-once.ts';
import type { PaymentInput, PaymentReceipt, RefundReceipt } from './types.ts';

const chargeStep = 'charge-payment';
const refundStep = 'refund-payment';

/**
 * Charges the trip's total (the sum of its reservations) with the payment method (by default the traveler's wallet,
 * whose `wallet.charged` is appended in this transaction) and records the payment with its outbox event. The method
 * is called inside the step's transaction, with the booking row locked, because the refund takes the same lock: a
 * refund can never slip in between a charge and its record, and a late attempt after the refund is refused before it
 * reaches the method. A provider dedupes on the step key, so an attempt whose commit was lost gets the same charge
 * back on retry. (The price with a provider: the lock is held for its round trip, bounded by the transaction timeout.)
 */
export function chargePayment(prisma: Db, clock: Clock, method: PaymentMethod, input: PaymentInput): Promise<PaymentReceipt> {
  return prisma.$transaction((tx) => chargePaymentIn(tx, clock, method, input), transactionOptions);
}

/** The step itself, in the caller's transaction: the activity's and the choreographed payment service's. */
export async function chargePaymentIn(tx: Tx, clock: Clock, method: PaymentMethod, { bookingId }: PaymentInput): Promise<PaymentReceipt> {
  const unlessRefunded = {
    step: refundStep,
    refusal: () => businessFailure('StepAlreadyCompensated', `The payment step of booking ${bookingId} was already undone`, { bookingId, kind: 'payment' }),
  };
  return runStepOnceIn(tx, bookingId, chargeStep, async (tx) => {
    const { amount, currency } = await chargeableTotal(tx, bookingId);
    const result = await method.charge(tx, {
      ...(await payerOf(tx, bookingId)),
      reference: stepKey(bookingId, chargeStep),
      amount,
      currency,
      description: `tripsaga booking ${bookingId}`,
    });
    if (result.outcome === 'declined') {
      throw businessFailure('PaymentDeclined', `${formatMoney({ amount, currency })} declined: ${result.code}: ${result.message}`, {
        bookingId,
        amount,
        currency,
        code: result.code,
      });
    }
    const now = clock.now();
    const payment = await tx.payment.create({ data: { bookingId, amount, currency, providerChargeId: result.chargeId, chargedAt: now } });
    const receipt: PaymentReceipt = { paymentId: payment.id, amount, currency, providerChargeId: result.chargeId };
    await appendOutboxEvent(tx, { bookingId, type: EventType.paymentCharged, data: { bookingId, ...receipt }, occurredAt: now });
    return receipt;
  }, unlessRefunded);
}

/**
 * Compensation: refunds the trip's charge in full. Safe to run for a charge that never happened (a recorded no-op).
 * When we hold no record of a charge, the provider is asked by the charge's reference, because its record is the one
 * that counts: a charge whose transaction rolled back after the provider took the money (a lost connection, a timeout,
 * and no retry after it) is announced late, then refunded, so no money is ever kept for an undone trip.
 */
export function refundPayment(prisma: Db, clock: Clock, method: PaymentMethod, input: PaymentInput): Promise<RefundReceipt> {
  return prisma.$transaction((tx) => refundPaymentIn(tx, clock, method, input), transactionOptions);
}

export async function refundPaymentIn(tx: Tx, clock: Clock, method: PaymentMethod, { bookingId }: PaymentInput): Promise<RefundReceipt> {
  return runStepOnceIn(tx, bookingId, refundStep, async (tx): Promise<RefundReceipt> => {
    const payer = await payerOf(tx, bookingId);
    const payment = (await tx.payment.findUnique({ where: { bookingId } })) ?? (await recordUnrecordedCharge(tx, clock, method, payer));
    if (!payment || payment.status === 'REFUNDED') return { outcome: 'nothing-to-undo' };
    const { refundId } = await method.refund(tx, {
      ...payer,
      reference: stepKey(bookingId, refundStep),
      chargeId: payment.providerChargeId,
      amount: payment.amount,
      currency: payment.currency,
    });
    const now = clock.now();
    await tx.payment.update({ where: { id: payment.id }, data: { status: 'REFUNDED', providerRefundId: refundId, refundedAt: now } });
    const refunded = { paymentId: payment.id, amount: payment.amount, currency: payment.currency, providerRefundId: refundId };
    await appendOutboxEvent(tx, { bookingId, type: EventType.paymentRefunded, data: { bookingId, ...refunded }, occurredAt: now });
    return { outcome: 'refunded', ...refunded };
  });
}

async function recordUnrecordedCharge(tx: Tx, clock: Clock, method: PaymentMethod, payer: Payer) {
  const { bookingId } = payer;
  const charge = await method.findCharge(tx, stepKey(bookingId, chargeStep), payer);
  if (!charge) return null;
  const now = clock.now();
  const payment = await tx.payment.create({
    data: { bookingId, amount: charge.amount, currency: charge.currency, providerChargeId: charge.chargeId, chargedAt: now },
  });
  await appendOutboxEvent(tx, {
    bookingId,
    type: EventType.paymentCharged,
    data: { bookingId, paymentId: payment.id, amount: charge.amount, currency: charge.currency, providerChargeId: charge.chargeId },
    occurredAt: now,
  });
  return payment;
}

/** Who pays: the traveler of the booking (the row is locked already by the step). */
async function payerOf(tx: Tx, bookingId: string): Promise<Payer> {
  const { travelerEmail } = await tx.booking.findUniqueOrThrow({ where: { id: bookingId }, select: { travelerEmail: true } });
  return { bookingId, email: travelerEmail };
}

/** What the charge must take: the trip's total, refused when there is nothing to pay for or no single currency. */
async function chargeableTotal(tx: Tx, bookingId: string): Promise<Money> {
  const reservations = await tx.reservation.findMany({ where: { bookingId, status: 'RESERVED' }, select: { amount: true, currency: true } });
  const currencies = reservedCurrencies(reservations);
  if (currencies.length !== 1) {
    const holds = currencies.length === 0 ? 'no reservation' : `reservations in ${currencies.join(' and ')}`;
    throw businessFailure('TripNotChargeable', `Booking ${bookingId} holds ${holds}: one charge cannot pay for it`, { bookingId, currencies });
  }
  return reservedTotal(reservations);
}
