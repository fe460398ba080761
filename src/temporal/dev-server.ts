import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import { freePort } from '../lib/free-port.ts';
import { stopOrphan, terminate } from '../lib/server-process.ts';

/**
 * The dev server runs one history shard that looks for new tasks at most 20 times a second, which adds up to 50 ms to
 * every hand-off between a workflow and an activity (about 450 ms per booking). A single-machine server can afford to
 * look more often.
 */
export const responsiveDevServerConfig = { 'history.transferProcessorMaxPollRPS': 1_000 } as const;

export interface DevServerOptions {
  cliPath: string;
  /** Keeps workflow state across restarts; omit for an in-memory server (tests). */
  dbFilename?: string;
  port?: number;
  /** 0 or undefined: a free port. null: no Web UI. */
  uiPort?: number | null;
  namespace?: string;
  /** Written beside dbFilename (or in the given dir) so a server orphaned by a SIGKILL can be stopped next time. */
  stateDir?: string;
  /** Custom search attributes to register, name -> type (Keyword, Text, Int, Datetime, ...). */
  searchAttributes?: Record<string, string>;
  /** Server dynamic configuration, e.g. { 'history.transferProcessorMaxPollRPS': 1000 }. */
  dynamicConfig?: Record<string, string | number | boolean>;
  log?: (line: string) => void;
}

export interface DevServer {
  address: string;
  uiUrl?: string;
  namespace: string;
  /** The server process, for reading its CPU time and memory from /proc (the benchmark does). */
  pid: number | undefined;
  stop(): Promise<void>;
}

/** Starts `temporal server start-dev` bound to loopback and waits until its frontend answers. */
export async function startTemporalDevServer(options: DevServerOptions): Promise<DevServer> {
  const { cliPath, namespace = 'default', log = () => {} } = options;
  const port = options.port || (await freePort());
  const uiPort = options.uiPort === null ? null : options.uiPort || (await freePort());
  const stateDir = options.stateDir ?? (options.dbFilename ? path.dirname(options.dbFilename) : undefined);
  const pidFile = stateDir ? path.join(stateDir, 'temporal-dev-server.pid') : undefined;
  if (pidFile) await stopOrphan(pidFile, 'start-dev', 'Temporal dev server', log);

  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--namespace', namespace, '--log-level', 'warn'];
  if (options.dbFilename) {
    await mkdir(path.dirname(options.dbFilename), { recursive: true });
    args.push('--db-filename', options.dbFilename);
  }
  if (uiPort === null) args.push('--headless');
  else args.push('--ui-port', String(uiPort), '--ui-ip', '127.0.0.1');
  for (const [name, type] of Object.entries(options.searchAttributes ?? {})) args.push('--search-attribute', `${name}=${type}`);
  for (const [key, value] of Object.entries(options.dynamicConfig ?? {})) args.push('--dynamic-config-value', `${key}=${JSON.stringify(value)}`);

  const child = spawn(options.cliPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const output = stateDir ? createWriteStream(path.join(stateDir, 'temporal-dev-server.log'), { flags: 'a' }) : undefined;
  const recent: string[] = [];
  const keep = (chunk: Buffer) => {
    output?.write(chunk);
    recent.push(chunk.toString());
    if (recent.length > 30) recent.shift();
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  if (pidFile && child.pid) await writeFile(pidFile, String(child.pid));

  const address = `127.0.0.1:${port}`;
  try {
    await waitUntilServing(address, namespace, child, () => recent.join(''));
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  log(`Temporal dev server on ${address}${uiPort === null ? '' : `, Web UI on http://localhost:${uiPort}`}`);
  return {
    address,
    namespace,
    pid: child.pid,
    uiUrl: uiPort === null ? undefined : `http://localhost:${uiPort}`,
    stop: async () => {
      await terminate(child);
      output?.end();
      if (pidFile) await rm(pidFile, { force: true });
    },
  };
}

async function waitUntilServing(address: string, namespace: string, child: ChildProcess, recentOutput: () => string) {
  const deadline = Date.now() + 60_000;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`Temporal dev server exited with ${child.exitCode}:\n${recentOutput()}`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      try {
        await connection.workflowService.describeNamespace({ namespace });
        return;
      } finally {
        await connection.close();
      }
    } catch (error) {
      lastError = error;
      await sleep(250);
    }
  }
  throw new Error(`Temporal dev server on ${address} did not become ready in 60 s: ${String(lastError)}\n${recentOutput()}`);
}
