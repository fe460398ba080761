/** Each check resolves when its dependency answers and rejects with the reason when it does not. */
export type DependencyChecks = Record<string, () => Promise<void>>;

/** How long one check may take before its dependency counts as down. */
const checkTimeoutMs = 2_000;

/** Runs every check at once: `ok`, or `unavailable: <why>` per dependency, ready only when all are ok. */
export async function checkDependencies(checks: DependencyChecks) {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, probe]) => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer in ${checkTimeoutMs} ms`)), checkTimeoutMs);
      });
      const outcome = await Promise.race([probe(), timeout]).then(
        () => 'ok',
        (error: Error) => `unavailable: ${error.message}`,
      );
      clearTimeout(timer);
      return [name, outcome] as const;
    }),
  );
  const checksByName = Object.fromEntries(entries);
  return { ready: entries.every(([, outcome]) => outcome === 'ok'), checks: checksByName };
}
