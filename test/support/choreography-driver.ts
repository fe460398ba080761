import { applyEvent } from '../../src/consumers/apply-event.ts';
import { readConsumedEvent } from '../../src/consumers/consumed-event.ts';
import { choreographyConsumers } from '../../src/choreography/services.ts';
import { toCloudEvent } from '../../src/events/cloud-event.ts';
import { readOrdering } from '../../src/events/envelope.ts';
import { systemClock } from '../../src/lib/clock.ts';
import { walletPaymentMethod } from '../../src/wallet/wallet-payment-method.ts';
import type { Harness } from './harness.ts';

/**
 * Plays the broker for a choreographed booking, in this process: every event of the booking, in order, to every
 * choreographed service (through the consumers' own applyEvent, inbox and all), until no service writes anything new.
 * For tests about what the services write, without a relay or NATS.
 */
export async function driveChoreography(h: Harness, bookingId: string): Promise<void> {
  const services = choreographyConsumers({ clock: systemClock, payments: walletPaymentMethod(h.walletSettings) });
  const applied = new Map(services.map((s) => [s.name, 0]));
  for (;;) {
    const rows = await h.prisma.outboxEvent.findMany({ where: { aggregateId: bookingId }, orderBy: { sequence: 'asc' } });
    let progressed = false;
    for (const service of services) {
      for (const row of rows.filter((r) => r.sequence > applied.get(service.name)!)) {
        const envelope = readOrdering(toCloudEvent(row));
        await applyEvent(h.prisma, service, readConsumedEvent(envelope), envelope);
        applied.set(service.name, row.sequence);
        progressed = true;
      }
    }
    if (!progressed) return;
  }
}
