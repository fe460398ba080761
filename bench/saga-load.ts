import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { BookingRequest } from '../src/bookings/booking-request.ts';
import type { OperationTiming } from './closed-loop.ts';
import type { BookingOutcomeWatcher } from './confirmation-watcher.ts';
import { type OfferPool, pick } from './seed.ts';

/** POST /bookings over keep-alive connections, as a client that books trips all day would, each as its traveler. */
export function createBookingClient(apiUrl: string, maxSockets: number, travelerToken: (email: string) => Promise<string>) {
  const agent = new http.Agent({ keepAlive: true, maxSockets });
  const url = new URL('/bookings', apiUrl);

  async function post(body: BookingRequest, idempotencyKey: string, extraHeaders: Record<string, string> = {}): Promise<{ status: number; body: string }> {
    const payload = JSON.stringify(body);
    const authorization = `Bearer ${await travelerToken(body.traveler.email)}`;
    return new Promise((resolve, reject) => {
      const req = http.request(
        url,
        {
          method: 'POST',
          agent,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(payload),
            'idempotency-key': idempotencyKey,
            authorization,
            ...extraHeaders,
          },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  return {
    /** Accepts a booking and returns its id. */
    async book(request: BookingRequest): Promise<string> {
      const response = await post(request, `bench-${randomUUID()}`);
      if (response.status !== 202) throw new Error(`POST /bookings answered ${response.status}: ${response.body.slice(0, 200)}`);
      return (JSON.parse(response.body) as { bookingId: string }).bookingId;
    },
    /** Accepts a booking asking to wait up to `seconds` for its outcome (`Prefer: wait=N`); the API's status and body. */
    bookAndWait: (request: BookingRequest, seconds: number) => post(request, `bench-${randomUUID()}`, { prefer: `wait=${seconds}` }),
    close: () => agent.destroy(),
  };
}

export type BookingClient = ReturnType<typeof createBookingClient>;

/** A trip with all three steps, so the saga runs 3 reserves + charge + confirm, spread over the offer pool. */
export function benchTrip(offers: OfferPool): BookingRequest {
  const n = randomUUID().slice(0, 8);
  return {
    traveler: { name: `Bench Traveler ${n}`, email: `bench+${n}@example.com` },
    flight: { offerId: pick(offers.flight), seats: 1 },
    hotel: { offerId: pick(offers.hotel), rooms: 1 },
    car: { offerId: pick(offers.car) },
  };
}

/**
 * One booking, from the moment the POST starts to the moment the confirm step committed, split into `accept` (the
 * API's answer) and `saga` (from that answer to the confirmation).
 */
export function sagaOperation(client: BookingClient, watcher: BookingOutcomeWatcher, offers: OfferPool, confirmed?: RecentBookings) {
  return async (): Promise<OperationTiming> => {
    const startedAtMs = Date.now();
    const bookingId = await client.book(benchTrip(offers));
    const acceptedAtMs = Date.now();
    const outcome = await watcher.settled(bookingId);
    if (outcome.status !== 'CONFIRMED') throw new Error(`booking ended ${outcome.status}: ${outcome.failureReason ?? ''}`);
    confirmed?.add(bookingId);
    return {
      latencyMs: outcome.settledAtMs - startedAtMs,
      partsMs: { accept: acceptedAtMs - startedAtMs, saga: outcome.settledAtMs - acceptedAtMs },
    };
  };
}

/** The last few confirmed bookings, to sample their saga histories after a measurement. */
export class RecentBookings {
  private readonly ids: string[] = [];
  constructor(private readonly keep = 10) {}
  add(bookingId: string) {
    this.ids.push(bookingId);
    if (this.ids.length > this.keep) this.ids.shift();
  }
  list(): readonly string[] {
    return this.ids;
  }
}
