/**
 * A doorbell for a polling loop: `ring()` from a notification, `wait(ms)` in the loop. A ring that comes while the
 * loop is busy is kept, so the next wait returns at once and no notification is lost between two waits.
 */
export function createWakeSignal() {
  let rung = false;
  let wake: (() => void) | undefined;
  return {
    ring() {
      rung = true;
      wake?.();
    },
    /** Resolves on a ring (or one kept from before), after `ms`, or when `signal` aborts. */
    async wait(ms: number, signal?: AbortSignal): Promise<void> {
      if (!rung && !signal?.aborted) {
        await new Promise<void>((resolve) => {
          const done = () => {
            clearTimeout(timer);
            signal?.removeEventListener('abort', done);
            wake = undefined;
            resolve();
          };
          const timer = setTimeout(done, ms);
          signal?.addEventListener('abort', done, { once: true });
          wake = done;
        });
      }
      rung = false;
    },
  };
}
