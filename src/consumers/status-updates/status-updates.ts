import type { BookingApiClient } from '../../consumers/status-updates/booking-api-client.ts';
import { handleBookingStatusChanged, type TripNotification } from './trip-notifications.ts';
import { EventType } from '../../events/event-types.ts';
import type { EventConsumer } from '../event-consumer.ts';

/**
 * Event notification, the other style next to the notifier's event-carried state: `booking.status-changed` says only
 * which booking changed, so this consumer calls the API back (GET /bookings/:id) in its load step, before and outside
 * the inbox transaction, and the handler records the resulting notification in `trip_notifications`, one per
 * booking and status (a redelivered or late event finds its dedupe key there and changes nothing).
 *
 * An API that does not answer is retried like any failure; a booking the API does not know is dead-lettered at once.
 */
export function statusUpdatesConsumer(api: Pick<BookingApiClient, 'getBooking'>): EventConsumer {
  return {
    name: 'status-updates',
    load: async (event) => (event.type === EventType.bookingStatusChanged ? handleBookingStatusChanged(event, api) : undefined),
    handlers: {
      [EventType.bookingStatusChanged]: async (tx, event, loaded) => {
        const notification = loaded as TripNotification | undefined;
        if (!notification) throw new Error(`status-updates: nothing loaded for ${event.id}`);
        await tx.tripNotification.createMany({
          data: [
            {
              dedupeKey: notification.dedupeKey,
              bookingId: notification.bookingId,
              status: notification.status,
              recipient: notification.to,
              subject: notification.subject,
              text: notification.text,
              eventId: event.id,
            },
          ],
          skipDuplicates: true,
        });
      },
    },
  };
}
