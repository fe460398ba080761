import type { BookingView } from '../../bookings/booking-view.ts';
import type { DecodedEvent } from '../../events/decode.ts';
import type { EventType } from '../../events/event-types.ts';
import { formatMoney, reservedTotal } from '../../lib/money.ts';
import { BookingApiError } from './booking-api-client.ts';

export interface TripNotification {
  /** One message per booking and status reached: the notifier's outbox/inbox drops a second one with this key. */
  dedupeKey: string;
  bookingId: string;
  status: BookingView['status'];
  to: string;
  subject: string;
  text: string;
}

/**
 * What to tell the traveler about a booking as it is now. Pure: the consumer of `booking.status-changed` reads
 * the booking from the API and passes it here. Reading the current state means a late or replayed notification
 * describes the booking as it is (never a status it has already left), and the dedupe key makes it one message per
 * status however many notifications arrive.
 */
export function notificationFor(booking: BookingView): TripNotification {
  const { bookingId, status, traveler } = booking;
  const reserved = Object.values(booking.reservations).flatMap((r) =>
    r?.status === 'RESERVED' && r.amount !== undefined && r.currency !== undefined ? [{ amount: r.amount, currency: r.currency }] : [],
  );
  const message = {
    PENDING: { subject: 'We are booking your trip', text: `We are reserving your trip ${bookingId}; you will hear from us in a moment.` },
    CONFIRMED: {
      subject: 'Your trip is confirmed',
      text: `Your trip ${bookingId} is booked: ${reserved.length} reservations, ${formatMoney(reservedTotal(reserved))} in total.`,
    },
    COMPENSATED: {
      subject: 'We could not book your trip',
      text: `We could not book your trip ${bookingId} (${booking.failureReason ?? 'no reason given'}); nothing was charged.`,
    },
    CANCELLED: {
      subject: 'Your trip is cancelled',
      text: `Your trip ${bookingId} is cancelled (${booking.failureReason ?? 'on request'}).`,
    },
  }[status];
  return { dedupeKey: `${bookingId}:${status}`, bookingId, status, to: traveler.email, ...message };
}

/**
 * The notifier's handler for `booking.status-changed` (event notification): the event says only which booking
 * changed, so it calls the API back. A booking the API does not know is an error worth a dead letter, not a retry.
 */
export async function handleBookingStatusChanged(
  event: Pick<DecodedEvent<typeof EventType.bookingStatusChanged>, 'id' | 'data'>,
  api: { getBooking(bookingId: string): Promise<BookingView | undefined> },
): Promise<TripNotification> {
  const booking = await api.getBooking(event.data.bookingId);
  if (!booking) throw new BookingApiError(`booking ${event.data.bookingId} (event ${event.id}) is unknown to the API`, false);
  return notificationFor(booking);
}
