import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface NodeProcessOptions {
  name: string;
  /** A TypeScript entry point, run as production runs it: `node --import tsx <entry>`. */
  entry: string;
  env: Record<string, string>;
  logDir: string;
  /** A line the process prints once it is serving. */
  readyLine: RegExp;
  /** Extra node flags, e.g. --cpu-prof. */
  nodeArgs?: string[];
  readyTimeoutMs?: number;
}

export interface RunningProcess {
  name: string;
  pid: number;
  logPath: string;
  /** From spawn to the ready line. */
  readyAfterMs: number;
  /** SIGTERM, as an orchestrator would send it; SIGKILL if the process has not exited in time. */
  stop(): Promise<void>;
  /** SIGSTOP / SIGCONT: the process keeps its connections and state, and takes no CPU in between. */
  pause(): void;
  resume(): void;
}

export const repoRoot = path.resolve(import.meta.dirname, '..');

export async function startNodeProcess(options: NodeProcessOptions): Promise<RunningProcess> {
  const { name, entry, readyLine, readyTimeoutMs = 120_000 } = options;
  const logPath = path.join(options.logDir, `${name}.log`);
  const spawnedAt = performance.now();
  const log = createWriteStream(logPath);
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), '--import', 'tsx', entry], {
    cwd: repoRoot,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`could not start ${name} (${entry})`);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  let buffered = '';
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      log.write(chunk);
      buffered = (buffered + chunk.toString()).slice(-4096);
      if (readyLine.test(buffered)) resolve();
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code, signal) => reject(new Error(`${name} exited (${signal ?? code}) before it was ready; see ${logPath}`)));
  });
  try {
    await Promise.race([
      ready,
      sleep(readyTimeoutMs).then(() => Promise.reject(new Error(`${name} was not ready after ${readyTimeoutMs / 1000} s; see ${logPath}`))),
    ]);
  } catch (error) {
    child.kill('SIGKILL');
    await exited;
    log.end();
    throw new Error(`${(error as Error).message}\n${await tail(logPath)}`);
  }

  return {
    name,
    pid: child.pid,
    logPath,
    readyAfterMs: performance.now() - spawnedAt,
    pause: () => void child.kill('SIGSTOP'),
    resume: () => void child.kill('SIGCONT'),
    async stop() {
      child.kill('SIGCONT'); // a paused process would not see the SIGTERM until then
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timedOut = await Promise.race([exited.then(() => false), sleep(20_000).then(() => true)]);
        if (timedOut) {
          child.kill('SIGKILL');
          await exited;
        }
      }
      log.end();
    },
  };
}

async function tail(file: string, lines = 15): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.split('\n').slice(-lines).join('\n');
}
