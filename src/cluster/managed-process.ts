import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** One program of the cluster, its output in a log file of its own, stoppable gently or killed outright. */
export interface ManagedProcess {
  name: string;
  pid: number | undefined;
  logFile: string;
  /** The last lines it wrote, for an error message when it dies early. */
  recentOutput(): string;
  readonly exited: Promise<number | null>;
  isRunning(): boolean;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL: the crash the chaos run injects. */
  kill(): Promise<void>;
}

export function spawnManaged(name: string, command: string, args: string[], options: { env: NodeJS.ProcessEnv; logFile: string; cwd?: string }): ManagedProcess {
  const child: ChildProcess = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const log = createWriteStream(options.logFile, { flags: 'a' });
  const recent: string[] = [];
  const keep = (chunk: Buffer) => {
    log.write(chunk);
    recent.push(chunk.toString());
    if (recent.length > 40) recent.shift();
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => {
    child.once('error', (error) => {
      keep(Buffer.from(`${name}: ${error.message}\n`));
      resolve(null);
    });
    child.once('exit', (code) => {
      log.end();
      resolve(code);
    });
  });
  const isRunning = () => child.exitCode === null && child.signalCode === null && child.pid !== undefined;
  const signalAndWait = async (signal: NodeJS.Signals, graceMs: number) => {
    if (!isRunning()) return exited.then(() => undefined);
    child.kill(signal);
    const outcome = await Promise.race([exited.then(() => 'exited'), sleep(graceMs).then(() => 'timeout')]);
    if (outcome === 'timeout') {
      child.kill('SIGKILL');
      await exited;
    }
  };
  return {
    name,
    pid: child.pid,
    logFile: options.logFile,
    recentOutput: () => recent.join(''),
    exited,
    isRunning,
    stop: (graceMs = 20_000) => signalAndWait('SIGTERM', graceMs),
    kill: () => signalAndWait('SIGKILL', 10_000),
  };
}

/** Polls `probe` until it resolves truthy; fails early when `process` exits, and after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, { timeoutMs = 60_000, intervalMs = 250, process }: { timeoutMs?: number; intervalMs?: number; process?: ManagedProcess } = {}): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (process && !process.isRunning()) throw new Error(`${process.name} exited while waiting for ${what}:\n${process.recentOutput()}`);
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      lastError = error;
    }
    await sleep(intervalMs);
  }
  throw new Error(`${what}: not ready in ${timeoutMs / 1000} s${lastError ? ` (${(lastError as Error).message})` : ''}${process ? `\n${process.recentOutput()}` : ''}`);
}
