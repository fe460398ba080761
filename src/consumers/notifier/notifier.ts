import type { Tx } from '../../db/prisma.ts';
import { EventType } from '../../events/event-types.ts';
import { formatMoney } from '../../lib/money.ts';
import type { ConsumedEvent } from '../consumed-event.ts';
import type { EventConsumer } from '../event-consumer.ts';

type OutcomeEvent = ConsumedEvent<'com.tripsaga.booking.confirmed' | 'com.tripsaga.booking.compensated' | 'com.tripsaga.booking.cancelled'>;

/**
 * Tells the traveler how their booking ended. It writes the email it would send into `outgoing_emails` (a mailer
 * would send from there); the event carries everything the email says, so the notifier reads no other table.
 */
export const notifierConsumer: EventConsumer = {
  name: 'notifier',
  handlers: {
    [EventType.bookingConfirmed]: recordEmail,
    [EventType.bookingCompensated]: recordEmail,
    [EventType.bookingCancelled]: recordEmail,
  },
};

async function recordEmail(tx: Tx, event: OutcomeEvent) {
  const { subject, body } = compose(event.data);
  await tx.outgoingEmail.create({
    data: {
      eventId: event.id,
      bookingId: event.bookingId,
      template: `booking-${event.data.status.toLowerCase()}`,
      recipient: event.data.traveler.email,
      subject,
      body,
    },
  });
}

function compose(data: OutcomeEvent['data']) {
  const { bookingId, reason, traveler, reservations } = data;
  const lines = reservations.filter((r) => r.status === 'RESERVED').map((r) => `- ${r.kind} ×${r.quantity}: ${formatMoney(r)}`);
  switch (data.status) {
    case 'CONFIRMED':
      return {
        subject: `Your trip ${bookingId} is confirmed`,
        // The producer computed the total once (booking.confirmed v2 carries it; v1 events are upcast with it).
        body: [`Hello ${traveler.name},`, '', 'Your trip is booked:', ...lines, `Total: ${formatMoney(data.total)}`].join('\n'),
      };
    case 'COMPENSATED':
      return {
        subject: `We could not book your trip ${bookingId}`,
        body: [`Hello ${traveler.name},`, '', `We could not complete your booking (${reason ?? 'unknown reason'}).`, 'Nothing was charged; every reservation was released.'].join('\n'),
      };
    case 'CANCELLED':
      return {
        subject: `Your trip ${bookingId} is cancelled`,
        body: [`Hello ${traveler.name},`, '', `Your trip was cancelled${reason ? ` (${reason})` : ''}.`, 'Every reservation was released.'].join('\n'),
      };
  }
}
