import { open, readFile, rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A lock file holding the owner's pid. A lock whose owner has died (SIGKILL leaves it behind) is taken over.
 * `onBusy` decides what happens while a live process holds it: throw to give up, or return to wait and retry.
 */
/** Locks this process holds: a lock file with our own pid is ours only if it is in here (pids get reused). */
const heldHere = new Set<string>();

export async function acquirePidLock(
  lockPath: string,
  onBusy: (holderPid: number, attempt: number) => void,
): Promise<() => Promise<void>> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      const handle = await open(lockPath, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      heldHere.add(lockPath);
      return async () => {
        heldHere.delete(lockPath);
        await rm(lockPath, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number((await readFile(lockPath, 'utf8').catch(() => '')).trim());
      const ownedByUs = holder === process.pid && heldHere.has(lockPath);
      if (!holder || (holder === process.pid && !ownedByUs) || !isProcessAlive(holder)) {
        await rm(lockPath, { force: true });
        continue;
      }
      onBusy(holder, attempt);
      await sleep(1000);
    }
  }
}

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
