import { type BookingView, bookingViewSchema } from '../../bookings/booking-view.ts';

export class BookingApiError extends Error {
  override readonly name = 'BookingApiError';
  constructor(
    message: string,
    /** True when trying again later may succeed (the API is down or overloaded), false when it cannot. */
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

export interface BookingApiClientOptions {
  /** e.g. http://localhost:3000 */
  baseUrl: string;
  /** Above the API's own 2 s deadline for asking a live saga its state (GET /bookings/:id waits that long for it). */
  timeoutMs?: number;
  fetch?: typeof globalThis.fetch;
}

/**
 * What an event-notification consumer uses to call the API back: GET /bookings/:id, its answer validated with the
 * same schema the API validates its responses with (unknown fields are ignored, as in events).
 */
export function createBookingApiClient({ baseUrl, timeoutMs = 5_000, fetch = globalThis.fetch }: BookingApiClientOptions) {
  const base = baseUrl.replace(/\/$/, '');
  return {
    /** The booking as it is now, or undefined if the API does not know it. */
    async getBooking(bookingId: string): Promise<BookingView | undefined> {
      let response: Response;
      try {
        response = await fetch(`${base}/bookings/${encodeURIComponent(bookingId)}`, {
          headers: { accept: 'application/json' },
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        throw new BookingApiError(`GET /bookings/${bookingId} failed: ${(error as Error).message}`, true);
      }
      if (response.status === 404) return undefined;
      if (!response.ok) {
        const retryable = response.status >= 500 || response.status === 429;
        throw new BookingApiError(`GET /bookings/${bookingId} answered ${response.status}`, retryable);
      }
      const parsed = bookingViewSchema.safeParse(await response.json().catch(() => undefined));
      if (!parsed.success)
        throw new BookingApiError(`GET /bookings/${bookingId} answered a body that is not a booking: ${parsed.error.message}`, false);
      return parsed.data;
    },
  };
}

export type BookingApiClient = ReturnType<typeof createBookingApiClient>;
