import { performance } from 'node:perf_hooks';
import { serve } from '../src/api/serve.ts';
import { decodeEvent } from '../src/events/decode.ts';
import { createBookingApiClient } from '../src/consumers/status-updates/booking-api-client.ts';
import { toCloudEvent } from '../src/events/cloud-event.ts';
import { EventType } from '../src/events/event-types.ts';
import { startSandbox } from './support/sandbox.ts';
import { runTripScenarios } from './support/trip-scenarios.ts';

/**
 * `npm run events:measure`: what each event style costs a consumer, on real events from real sagas.
 * Event notification (booking.status-changed): a small message, then a call back to the API for every event.
 * Event-carried state transfer (booking.confirmed): a bigger message, and nothing else to fetch.
 */
const rounds = Number(process.env.ROUNDS ?? 300);
const sandbox = await startSandbox();
const server = await serve(sandbox.app, 0, '127.0.0.1');
try {
  const trips = await runTripScenarios(sandbox);
  const api = createBookingApiClient({ baseUrl: `http://127.0.0.1:${server.port}` });
  const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value));

  console.log('\nPayload sizes (CloudEvent JSON as the relay publishes it; API answer as the consumer downloads it)\n');
  console.log('| trip | booking.status-changed | booking.confirmed v2 | GET /bookings/:id |');
  console.log('|---|---|---|---|');
  for (const scenario of ['confirmed-then-cancelled', 'confirmed-without-car'] as const) {
    const events = (await sandbox.events(trips[scenario])).map(toCloudEvent);
    const notification = events.find((e) => e.type === EventType.bookingStatusChanged)!;
    const confirmed = events.find((e) => e.type === EventType.bookingConfirmed)!;
    const view = await api.getBooking(trips[scenario]);
    console.log(`| ${scenario} | ${bytes(notification)} B | ${bytes(confirmed)} B | ${bytes(view)} B |`);
  }

  const messagesOf = async (bookingId: string) => (await sandbox.events(bookingId)).map((row) => JSON.stringify(toCloudEvent(row)));
  const confirmedTrip = await messagesOf(trips['confirmed-without-car']);
  const cancelledTrip = await messagesOf(trips['confirmed-then-cancelled']);
  const confirmedMessage = confirmedTrip.find((e) => e.includes(EventType.bookingConfirmed))!;
  const notificationOfConfirmed = confirmedTrip.find((e) => e.includes(EventType.bookingStatusChanged))!;
  const notificationOfCancelled = cancelledTrip.find((e) => e.includes(EventType.bookingStatusChanged))!;
  const callBack = (message: string) => api.getBooking(decodeEvent(message).subject);

  const timed = async (what: () => unknown) => {
    const samples: number[] = [];
    for (let i = 0; i < rounds; i += 1) {
      const start = performance.now();
      await what();
      samples.push(performance.now() - start);
    }
    samples.sort((a, b) => a - b);
    const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))]!;
    return `${at(0.5).toFixed(3)} ms | ${at(0.95).toFixed(3)} ms | ${samples.at(-1)!.toFixed(3)} ms`;
  };

  console.log(`\nWhat a consumer spends per event (${rounds} rounds, one after another, loopback HTTP, local PostgreSQL)\n`);
  console.log('| path | p50 | p95 | max |');
  console.log('|---|---|---|---|');
  console.log(`| state transfer: decode booking.confirmed | ${await timed(() => decodeEvent(confirmedMessage))} |`);
  console.log(`| notification: decode booking.status-changed | ${await timed(() => decodeEvent(notificationOfConfirmed))} |`);
  console.log(
    `| notification: decode + GET a CANCELLED booking (database only) | ${await timed(() => callBack(notificationOfCancelled))} |`,
  );
  console.log(
    `| notification: decode + GET a CONFIRMED booking (database + Temporal query of the live saga) | ${await timed(() => callBack(notificationOfConfirmed))} |`,
  );

  const cancelledId = trips['confirmed-then-cancelled'];
  const cancelledEvents = await sandbox.events(cancelledId);
  const confirmedAt = cancelledEvents.find((e) => e.type === EventType.bookingConfirmed)!.occurredAt;
  const cancelledAt = cancelledEvents.find((e) => e.type === EventType.bookingCancelled)!.occurredAt;
  console.log(
    `\nStaleness: the booking.confirmed of ${cancelledId} said CONFIRMED; the trip was cancelled ` +
      `${cancelledAt.getTime() - confirmedAt.getTime()} ms later. A state-transfer consumer processing that event after ` +
      `then still sees CONFIRMED (until booking.cancelled reaches it); a notification consumer reads ` +
      `${(await api.getBooking(cancelledId))?.status} from the API.`,
  );
} finally {
  await server.close();
  await sandbox.close();
}
