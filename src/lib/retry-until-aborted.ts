import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Repeats `work` with backoff (0.5 s doubling to 10 s) until it succeeds or the signal aborts; each failure is one log
 * line. For work that must not give up while the process runs, e.g. waiting out a broker that is away.
 */
export async function retryUntilAborted<T>(
  what: string,
  work: () => Promise<T>,
  { signal, log }: { signal: AbortSignal; log: (line: string) => void },
): Promise<T | undefined> {
  for (let attempt = 0; !signal.aborted; attempt += 1) {
    try {
      return await work();
    } catch (error) {
      if (signal.aborted) break;
      log(`${what} failed (${(error as Error).message}); retrying`);
      await sleep(Math.min(500 * 2 ** attempt, 10_000), undefined, { signal }).catch(() => {});
    }
  }
  return undefined;
}
