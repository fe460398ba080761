import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';

export interface SettledBooking {
  status: string;
  failureReason: string | null;
  /** When the saga's last step committed (the row's updated_at, written by the worker's clock). */
  settledAtMs: number;
}

interface Waiter {
  resolve(settled: SettledBooking): void;
  reject(error: Error): void;
  deadline: number;
}

/**
 * Learns when bookings leave PENDING with one batched query every few ms for all bookings being waited on, instead
 * of one GET per booking: the watching must cost the system under test as little as possible. The confirmation time
 * is the row's updated_at, so the poll interval adds nothing to the measured latency; it does delay each client's
 * next booking by half an interval on average, which a closed loop counts against throughput. 10 ms trades that
 * (about 5 ms per booking) against the CPU of polling (about 100 small queries a second on a 2-core machine that
 * also runs everything under test).
 */
export function watchBookingOutcomes(db: pg.Pool, { pollMs = 10, timeoutMs = 60_000 } = {}) {
  const waiting = new Map<string, Waiter>();
  let stopped = false;

  const loop = (async () => {
    while (!stopped) {
      if (waiting.size === 0) {
        await sleep(pollMs);
        continue;
      }
      try {
        const { rows } = await db.query<{ id: string; status: string; failure_reason: string | null; settled_ms: string }>({
          // Prepared once per connection: the poll runs 100 times a second and should cost the server next to nothing.
          name: 'bench-settled-bookings',
          text: `SELECT id, status, failure_reason, (extract(epoch FROM updated_at) * 1000)::bigint AS settled_ms
                 FROM bookings WHERE id = ANY($1) AND status <> 'PENDING'`,
          values: [[...waiting.keys()]],
        });
        for (const row of rows) {
          waiting.get(row.id)?.resolve({ status: row.status, failureReason: row.failure_reason, settledAtMs: Number(row.settled_ms) });
          waiting.delete(row.id);
        }
      } catch (error) {
        for (const waiter of waiting.values()) waiter.reject(error as Error);
        waiting.clear();
      }
      const now = Date.now();
      for (const [id, waiter] of waiting) {
        if (now > waiter.deadline) {
          waiter.reject(new Error(`booking ${id} still PENDING after ${timeoutMs / 1000} s`));
          waiting.delete(id);
        }
      }
      await sleep(pollMs);
    }
  })();

  return {
    settled(bookingId: string): Promise<SettledBooking> {
      return new Promise((resolve, reject) => waiting.set(bookingId, { resolve, reject, deadline: Date.now() + timeoutMs }));
    },
    async stop() {
      stopped = true;
      await loop;
      for (const waiter of waiting.values()) waiter.reject(new Error('the watcher stopped'));
      waiting.clear();
    },
  };
}

export type BookingOutcomeWatcher = ReturnType<typeof watchBookingOutcomes>;
