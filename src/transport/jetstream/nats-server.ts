import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../../lib/free-port.ts';
import { ensureGoBinary, type GoBinary } from '../../lib/go-binary.ts';
import { stopOrphan, terminate } from '../../lib/server-process.ts';
import { isNatsReachable } from './connection.ts';

/**
 * The NATS server `npm start` runs when NATS_URL is not set: Debian's or any on PATH, else this release built from the
 * Go module proxy (2.10.x has no `replace` directive, so `go install` takes it).
 */
export const natsServerVersion = '2.10.29';

const natsServer: GoBinary = {
  name: 'nats-server',
  title: `nats-server v${natsServerVersion}`,
  module: `github.com/nats-io/nats-server/v2@v${natsServerVersion}`,
  cacheName: `nats-server-${natsServerVersion}`,
  envVar: 'NATS_SERVER_BIN',
  goHint: 'Go >= 1.23',
};

/** NATS_SERVER_BIN if set, else a `nats-server` on PATH, else the cached build, else a fresh build into the cache. */
export function ensureNatsServer(options: { log?: (line: string) => void; env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  return ensureGoBinary(natsServer, options);
}

export interface NatsServerOptions {
  binary: string;
  /** JetStream keeps its streams and consumers here; the pid file and the log go beside them. */
  storeDir: string;
  /** Absent: a free port. */
  port?: number;
  log?: (line: string) => void;
}

export interface NatsServer {
  url: string;
  pid: number | undefined;
  /** SIGTERM lets JetStream flush its store; SIGKILL is for crash tests. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Starts `nats-server` with JetStream on loopback and waits until it answers. It runs in a process group of its own,
 * so a Ctrl-C meant for us does not stop it before the relay and the consumers have settled what they hold; we stop
 * it last. A server orphaned by a SIGKILL is found by its pid file and stopped on the next start.
 */
export async function startNatsServer(options: NatsServerOptions): Promise<NatsServer> {
  const { binary, storeDir, log = () => {} } = options;
  await mkdir(storeDir, { recursive: true });
  const pidFile = path.join(storeDir, 'nats-server.pid');
  await stopOrphan(pidFile, 'nats-server', 'nats-server', log);
  const port = options.port ?? (await freePort());
  const url = `nats://127.0.0.1:${port}`;
  const output = createWriteStream(path.join(storeDir, 'nats-server.log'), { flags: 'a' });
  const child: ChildProcess = spawn(binary, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const recent: string[] = [];
  const keep = (chunk: Buffer) => {
    output.write(chunk);
    recent.push(chunk.toString());
    if (recent.length > 30) recent.shift();
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  if (child.pid) await writeFile(pidFile, String(child.pid));

  const deadline = Date.now() + 15_000;
  while (!(await isNatsReachable(url, 500))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`nats-server on port ${port} did not start (${child.exitCode === null ? 'no answer in 15 s' : `exit ${child.exitCode}`}):\n${recent.join('')}`);
    }
    await sleep(100);
  }
  return {
    url,
    pid: child.pid,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (signal === 'SIGTERM') await terminate(child);
      else if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill(signal);
        await exited;
      }
      output.end();
      await rm(pidFile, { force: true });
    },
  };
}
