import { setTimeout as sleep } from 'node:timers/promises';
import type { BookingService } from '../bookings/booking-service.ts';

/**
 * Starts the sagas of bookings that were accepted but whose start never reached Temporal (the API crashed between
 * its commit and the start, or Temporal was down). Runs until the signal aborts.
 */
export async function runSagaStarter(
  bookings: BookingService,
  {
    intervalMs = 2_000,
    signal,
    log = console.log,
    onStarted = () => {},
  }: { intervalMs?: number; signal: AbortSignal; log?: (line: string) => void; onStarted?: (count: number) => void },
) {
  while (!signal.aborted) {
    try {
      const started = await bookings.startPendingSagas();
      if (started > 0) {
        log(`saga starter: started ${started} stranded booking saga(s)`);
        onStarted(started);
      }
    } catch (error) {
      log(`saga starter: ${(error as Error).message}; retrying`);
    }
    await sleep(intervalMs, undefined, { signal }).catch(() => {});
  }
}
