import { type BookingView, bookingViewSchema } from '../../bookings/booking-view.ts';
import { traceHeaders } from '../../tracing/index.ts';

export class BookingApiError extends Error {
  override readonly name = 'BookingApiError';
  constructor(
    message: string,
    /** True when trying again later may succeed (the API is down or overloaded), false when it cannot. */
    readonly retryable: boolean,
    /** True when no API answered, or it said it cannot serve now (502-504): an outage, not this event's fault. */
    readonly outage = false,
  ) {
    super(message);
  }
}

export interface BookingApiClientOptions {
  /** e.g. http://localhost:3000; several comma-separated (API replicas without a load balancer in front) are tried in turn. */
  baseUrl: string;
  /** Above the API's own 2 s deadline for asking a live saga its state (GET /bookings/:id waits that long for it). */
  timeoutMs?: number;
  /** The bearer token to call with (an operator's: the API shows any booking only to an operator). */
  token?: () => string | Promise<string>;
  fetch?: typeof globalThis.fetch;
}

/**
 * What an event-notification consumer uses to call the API back: GET /bookings/:id, its answer validated with the
 * same schema the API validates its responses with (unknown fields are ignored, as in events).
 */
export function createBookingApiClient({ baseUrl, timeoutMs = 5_000, token, fetch = globalThis.fetch }: BookingApiClientOptions) {
  const bases = baseUrl.split(',').map((url) => url.trim().replace(/\/$/, '')).filter(Boolean);
  let preferred = 0;
  /** The first API that answers, starting with the one that answered last time. */
  async function get(path: string): Promise<Response> {
    let lastError: unknown;
    for (let i = 0; i < bases.length; i += 1) {
      const index = (preferred + i) % bases.length;
      try {
        // traceHeaders: the consumer's apply span, so the API's span of this request joins the event's trace.
        const headers = { accept: 'application/json', ...traceHeaders(), ...(token ? { authorization: `Bearer ${await token()}` } : {}) };
        const response = await fetch(`${bases[index]}${path}`, { headers, signal: AbortSignal.timeout(timeoutMs) });
        preferred = index;
        return response;
      } catch (error) {
        lastError = error;
      }
    }
    throw new BookingApiError(`GET ${path} failed: ${(lastError as Error).message}`, true, true);
  }
  return {
    /** The booking as it is now, or undefined if the API does not know it. */
    async getBooking(bookingId: string): Promise<BookingView | undefined> {
      const response = await get(`/bookings/${encodeURIComponent(bookingId)}`);
      if (response.status === 404) return undefined;
      // Refused credentials stay refused until someone fixes the setting; retrying will not help.
      if (response.status === 401 || response.status === 403) {
        throw new BookingApiError(`GET /bookings/${bookingId} answered ${response.status}: set API_TOKEN to an operator token`, false);
      }
      if (!response.ok) {
        const retryable = response.status >= 500 || response.status === 429;
        const outage = response.status >= 502 && response.status <= 504;
        throw new BookingApiError(`GET /bookings/${bookingId} answered ${response.status}`, retryable, outage);
      }
      const parsed = bookingViewSchema.safeParse(await response.json().catch(() => undefined));
      if (!parsed.success)
        throw new BookingApiError(`GET /bookings/${bookingId} answered a body that is not a booking: ${parsed.error.message}`, false);
      return parsed.data;
    },
  };
}

export type BookingApiClient = ReturnType<typeof createBookingApiClient>;
