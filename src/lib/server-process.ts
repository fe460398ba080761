import type { ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { isProcessAlive } from './pid-lock.ts';

/** Asks a server we started to stop (SIGTERM), and kills it if it has not exited after `graceMs`. */
export async function terminate(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timeout = sleep(graceMs).then(() => 'timeout');
  if ((await Promise.race([exited, timeout])) === 'timeout') {
    child.kill('SIGKILL');
    await exited;
  }
}

/**
 * A server left running by a process that was SIGKILLed would hold its port and its files. Its pid file names it;
 * `commandMarker` must appear in its command line, so a pid reused by some other program is left alone.
 */
export async function stopOrphan(pidFile: string, commandMarker: string, what: string, log: (line: string) => void): Promise<void> {
  const pid = Number((await readFile(pidFile, 'utf8').catch(() => '')).trim());
  if (!pid || !isProcessAlive(pid)) return;
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  if (!cmdline.includes(commandMarker)) return;
  log(`Stopping the ${what} left running by an earlier run (pid ${pid})`);
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 50 && isProcessAlive(pid); i += 1) await sleep(200);
  if (isProcessAlive(pid)) process.kill(pid, 'SIGKILL');
}
