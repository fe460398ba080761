import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

/** What the load asks for: most trips confirm, some are refused by the saga (sold out, declined), some cancelled. */
export type TripKind = 'confirm' | 'sold-out' | 'declined' | 'cancel';
const mix: TripKind[] = ['confirm', 'confirm', 'confirm', 'confirm', 'confirm', 'confirm', 'sold-out', 'declined', 'cancel', 'cancel'];

export interface Offers {
  flights: string[];
  hotels: string[];
  cars: string[];
  soldOutCar: string;
  /** Priced so that any trip with it is over the fake provider's limit: the charge is declined. */
  luxuryHotel: string;
}

/** The answers a client saw, by kind: what the chaos run holds against the API's promises. */
export interface ClientLedger {
  accepted: Map<string, { bookingId: string; kind: TripKind; acceptedAt: number }>;
  /** 503 answers, each with Retry-After and a JSON body: the right answer while a dependency is down. */
  retryLater: number;
  /** Anything else 5xx, or a 503 without Retry-After or a JSON error body: a client cannot know it may retry. */
  unexpected: { status: number; body: string; at: number }[];
  /** Connections refused or reset (an API process killed): retried on the other API with the same Idempotency-Key. */
  connectionErrors: number;
  /** Requests given up after their deadline: a lost booking unless the database has it anyway. */
  abandoned: string[];
  /** Burst requests left unanswered on purpose (their API killed): whatever they committed must still finish. */
  unanswered: number;
}

/** The bearer tokens the load sends: an operator's for the offers, each traveler's own for their bookings. */
export interface LoadTokens {
  operator: string;
  traveler(email: string): Promise<string>;
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

export function newLedger(): ClientLedger {
  return { accepted: new Map(), retryLater: 0, unexpected: [], connectionErrors: 0, abandoned: [], unanswered: 0 };
}

async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body), signal: AbortSignal.timeout(15_000) });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** The offers every run books from; a small flight sells out along the way, so availability is really contended. */
export async function createOffers(apiUrl: string, bookings: number, tokens: LoadTokens): Promise<Offers> {
  const offer = async (kind: string, name: string, capacity: number, amount: number) => {
    for (let attempt = 0; ; attempt += 1) {
      const res = await post(`${apiUrl}/offers`, { kind, name, capacity, price: { amount, currency: 'EUR' } }, bearer(tokens.operator)).catch(() => undefined);
      if (res?.status === 201) return (JSON.parse(res.text) as { id: string }).id;
      if (attempt > 20) throw new Error(`creating offer ${name}: ${res?.status} ${res?.text}`);
      await sleep(500);
    }
  };
  return {
    flights: [await offer('flight', 'TP100 Lisbon-Paris', bookings * 2, 12_900), await offer('flight', 'TP200 Lisbon-Rome (small)', Math.max(4, Math.floor(bookings / 8)), 9_900)],
    hotels: [await offer('hotel', 'Ritz Paris', bookings * 2, 45_000), await offer('hotel', 'Hassler Rome', bookings * 2, 38_000)],
    cars: [await offer('car', 'Compact', bookings, 3_000)],
    soldOutCar: await offer('car', 'Convertible (none left)', 0, 9_000),
    luxuryHotel: await offer('hotel', 'Presidential suite', bookings, 1_500_000),
  };
}

function tripFor(n: number, kind: TripKind, offers: Offers, runId: string) {
  const flight = offers.flights[n % offers.flights.length]!;
  const hotel = kind === 'declined' ? offers.luxuryHotel : offers.hotels[n % offers.hotels.length]!;
  const car = kind === 'sold-out' ? offers.soldOutCar : n % 3 === 0 ? undefined : offers.cars[0]!;
  return {
    traveler: { name: `Traveler ${n}`, email: `chaos-${runId}-${n}@example.com` },
    flight: { offerId: flight, seats: 1 + (n % 2) },
    hotel: { offerId: hotel, rooms: 1 },
    ...(car ? { car: { offerId: car } } : {}),
  };
}

/**
 * One client's request, as a careful client makes it: an Idempotency-Key for the booking, the same key on every retry,
 * on the other API when one does not answer, waiting Retry-After on a 503.
 */
async function requestUntilAnswered(apis: string[], path: string, body: unknown, key: string, token: string, ledger: ClientLedger, accept: (status: number) => boolean, deadlineMs = 120_000) {
  const deadline = Date.now() + deadlineMs;
  for (let attempt = 0; Date.now() < deadline; attempt += 1) {
    const api = apis[attempt % apis.length]!;
    let res;
    try {
      res = await post(`${api}${path}`, body, { 'Idempotency-Key': key, ...bearer(token) });
    } catch {
      ledger.connectionErrors += 1;
      await sleep(250);
      continue;
    }
    if (accept(res.status)) return res;
    const retryAfter = Number(res.headers.get('retry-after'));
    const jsonError = isJsonError(res.text);
    if (res.status === 503 && retryAfter > 0 && jsonError) {
      ledger.retryLater += 1;
      await sleep(retryAfter * 1_000);
      continue;
    }
    ledger.unexpected.push({ status: res.status, body: res.text.slice(0, 300), at: Date.now() });
    await sleep(1_000);
  }
  ledger.abandoned.push(key);
  return undefined;
}

function isJsonError(text: string): boolean {
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    return typeof body.error?.code === 'string' && typeof body.error.message === 'string' && !/\bat .+:\d+:\d+/.test(text);
  } catch {
    return false;
  }
}

export interface LoadOptions {
  apis: string[];
  offers: Offers;
  clients: number;
  /** Pause between one client's bookings: the load is steady, not a flood (two cores serve the whole cluster). */
  thinkMs: number;
  runId: string;
  ledger: ClientLedger;
  tokens: LoadTokens;
  signal: AbortSignal;
}

/** Closed-loop clients booking until the signal aborts. Resolves when every client has finished its booking in hand. */
export async function runLoad({ apis, offers, clients, thinkMs, runId, ledger, tokens, signal }: LoadOptions) {
  let next = 0;
  const client = async (c: number) => {
    while (!signal.aborted) {
      const n = next++;
      const kind = mix[n % mix.length]!;
      const key = `chaos-${runId}-${n}`;
      const rotated = [...apis.slice(c % apis.length), ...apis.slice(0, c % apis.length)];
      const trip = tripFor(n, kind, offers, runId);
      const token = await tokens.traveler(trip.traveler.email);
      const res = await requestUntilAnswered(rotated, '/bookings', trip, key, token, ledger, (s) => s === 202);
      if (res) {
        const { bookingId } = JSON.parse(res.text) as { bookingId: string };
        ledger.accepted.set(key, { bookingId, kind, acceptedAt: Date.now() });
        if (kind === 'cancel') {
          await sleep(200);
          // 202 while it can still be undone, 409 once the saga ended on its own: both are answers.
          await requestUntilAnswered(rotated, `/bookings/${bookingId}/cancel`, { reason: 'chaos: plans changed' }, `${key}-cancel`, token, ledger, (s) => s === 202 || s === 409);
        }
      }
      await sleep(thinkMs, undefined, { signal }).catch(() => {});
    }
  };
  await Promise.all(Array.from({ length: clients }, (_, c) => client(c)));
}

/** A burst at one API, answers not awaited: the API is killed in the middle of it. */
export function fireBurst(api: string, offers: Offers, runId: string, count: number, ledger: ClientLedger, tokens: LoadTokens) {
  const burstId = `${runId}-burst-${randomUUID().slice(0, 6)}`;
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const trip = tripFor(i, 'confirm', offers, burstId);
      const headers = { 'Idempotency-Key': `${burstId}-${i}`, ...bearer(await tokens.traveler(trip.traveler.email)) };
      const res = await post(`${api}/bookings`, trip, headers).catch(() => undefined);
      if (res?.status === 202) {
        const { bookingId } = JSON.parse(res.text) as { bookingId: string };
        ledger.accepted.set(`${burstId}-${i}`, { bookingId, kind: 'confirm', acceptedAt: Date.now() });
      } else ledger.unanswered += 1;
    }),
  );
}
