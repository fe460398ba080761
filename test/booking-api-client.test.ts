import { createServer } from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { isOutage, isPermanentFailure } from '../src/consumers/event-consumer.ts';
import { createBookingApiClient } from '../src/consumers/status-updates/booking-api-client.ts';
import { freePort } from '../src/lib/free-port.ts';

// API replicas without a load balancer: the client tries each in turn, and when none answers it reports an outage
// (retried until it passes), never a failure of the event.
const server = createServer((_req, res) => res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"code":"booking_not_found","message":"no"}}'));
let live: string;
let dead: string;
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  live = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  dead = `http://127.0.0.1:${await freePort()}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

it('fails over to the next API when one does not answer', async () => {
  const client = createBookingApiClient({ baseUrl: `${dead},${live}` });
  await expect(client.getBooking('bk_1')).resolves.toBeUndefined(); // the live one answered 404
});

it('reports an outage, retryable and not permanent, when no API answers', async () => {
  const client = createBookingApiClient({ baseUrl: dead });
  const error = await client.getBooking('bk_1').catch((e: unknown) => e);
  expect(isOutage(error)).toBe(true);
  expect(isPermanentFailure(error)).toBe(false);
});
