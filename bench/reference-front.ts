import http from 'node:http';
import { type BookingRequest, bookingRequestSchema } from '../src/bookings/booking-request.ts';

/**
 * `POST /bookings` for the reference rows (the naive saga, DBOS): the same body, validated by the same schema, answered
 * 202 with the booking id once `accept` has committed the booking and started its saga. No Express, no token check,
 * no rate limit: what a reference row saves here is in its favour, and BENCHMARKS.md says so.
 */
export function serveBookingFront(port: number, accept: (request: BookingRequest, idempotencyKey?: string) => Promise<string>): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const answer = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'POST' || req.url !== '/bookings') return answer(404, { error: 'not_found' });
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (text += chunk));
    req.on('end', () => {
      void (async () => {
        const parsed = bookingRequestSchema.safeParse(JSON.parse(text || '{}'));
        if (!parsed.success) return answer(400, { error: 'invalid_request', problems: parsed.error.issues.map((i) => i.message) });
        const key = req.headers['idempotency-key'];
        const bookingId = await accept(parsed.data, typeof key === 'string' ? key : undefined);
        answer(202, { bookingId });
      })().catch((error: Error) => answer(500, { error: error.message }));
    });
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}
