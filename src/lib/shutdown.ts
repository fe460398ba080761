type Log = (line: string) => void;

/** Calls `onSignal` once, on the first SIGINT or SIGTERM, after saying what the process is finishing. */
export function onStopSignal(log: Log, finishing: string, onSignal: () => void | Promise<void>): void {
  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      if (stopping) return;
      stopping = true;
      log(`${signal}: ${finishing}`);
      void onSignal();
    });
  }
}

/**
 * Closes what the entry point opened, in the order given (each one even if an earlier one failed), then exits. It
 * does not wait on handles held by libraries' internals (the Temporal native runtime): everything we opened is closed.
 */
export async function closeAndExit(log: Log, closers: (undefined | (() => Promise<unknown>))[]): Promise<never> {
  let failed = false;
  for (const close of closers) {
    try {
      await close?.();
    } catch (error) {
      failed = true;
      log(`while stopping: ${(error as Error).message}`);
    }
  }
  log('stopped');
  process.exit(failed ? 1 : 0);
}
