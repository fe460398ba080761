import { randomBytes, randomUUID } from 'node:crypto';
import { StorageType, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { EventType } from '../src/events/event-types.ts';
import { toCloudEvent } from '../src/events/cloud-event.ts';
import { type MeasureContext, type Measurement, measure } from './measure.ts';
import type { BenchPlan } from './options.ts';

export type JetStreamPublishResult =
  | { measured: true; natsServerVersion: string; stream: string; payloadBytes: number; storage: 'file'; results: Measurement[] }
  | { measured: false; reason: string };

export const defaultNatsUrl = 'nats://127.0.0.1:4222';

/**
 * The broker's own ceiling for what the relay will do: publish one event and wait for JetStream's ack, with a message
 * id for de-duplication, to a file-backed stream. The stream is ours (unique name), created and deleted here; the
 * NATS server is shared and stays as it was.
 */
export async function measureJetStreamPublish(ctx: MeasureContext, plan: BenchPlan, natsUrl = process.env.NATS_URL ?? defaultNatsUrl): Promise<JetStreamPublishResult> {
  let nc;
  try {
    nc = await connect({ servers: natsUrl, timeout: 3_000 });
  } catch (error) {
    return { measured: false, reason: `NATS at ${natsUrl} unreachable: ${(error as Error).message}` };
  }
  const stream = `tripsaga_bench_${randomBytes(4).toString('hex')}`;
  try {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: stream, subjects: [`${stream}.>`], storage: StorageType.File });
    try {
      const js = jetstream(nc);
      const payload = new TextEncoder().encode(JSON.stringify(sampleEvent()));
      const subject = `${stream}.booking.confirmed`;
      const results: Measurement[] = [];
      for (const concurrency of plan.jetstream.concurrencies) {
        results.push(
          await measure(ctx, {
            kind: 'jetstream',
          label: `JetStream publish+ack  c=${concurrency}`,
            concurrency,
            warmupMs: Math.min(plan.warmupMs, 1_000),
            measureMs: plan.jetstream.measureMs,
            operation: async () => {
              const startedAt = performance.now();
              await js.publish(subject, payload, { msgID: randomUUID() });
              return performance.now() - startedAt;
            },
          }),
        );
      }
      return { measured: true, natsServerVersion: nc.info?.version ?? 'unknown', stream, payloadBytes: payload.length, storage: 'file', results };
    } finally {
      await jsm.streams.delete(stream).catch(() => {});
    }
  } catch (error) {
    return { measured: false, reason: `JetStream: ${(error as Error).message}` };
  } finally {
    await nc.close();
  }
}

/** A booking.confirmed event as the relay will send it: a CloudEvent envelope around the row's data. */
function sampleEvent() {
  const bookingId = `bk_${randomUUID()}`;
  return toCloudEvent({
    id: randomUUID(),
    type: EventType.bookingConfirmed,
    aggregateId: bookingId,
    sequence: 1,
    occurredAt: new Date(),
    schemaVersion: 1,
    data: {
      bookingId,
      status: 'CONFIRMED',
      traveler: { name: 'Bench Traveler', email: 'bench@example.com' },
      reservations: (['flight', 'hotel', 'car'] as const).map((kind) => ({
        kind,
        offerId: randomUUID(),
        quantity: 1,
        amount: 12_900,
        currency: 'EUR',
        status: 'RESERVED',
      })),
    },
  });
}
