import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdir, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { acquirePidLock } from '../lib/pid-lock.ts';

/**
 * The Temporal CLI (dev server + Web UI). No package ships it here and its own downloader cannot reach its host,
 * so we build it from the Go module proxy once and keep it in a cache outside the repo.
 * v1.5.1 is the newest tag `go install pkg@version` accepts (later ones carry a `replace` directive).
 */
export const temporalCliVersion = '1.5.1';
const temporalCliModule = `github.com/temporalio/cli/cmd/temporal@v${temporalCliVersion}`;

type Log = (line: string) => void;

export function temporalCliCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.TRIPSAGA_CACHE_DIR ?? path.join(env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'tripsaga');
  return path.join(base, `temporal-cli-${temporalCliVersion}`);
}

/** TEMPORAL_CLI if set, else a `temporal` on PATH, else the cached build, else a fresh build into the cache. */
export async function ensureTemporalCli({ log = console.log, env = process.env }: { log?: Log; env?: NodeJS.ProcessEnv } = {}) {
  if (env.TEMPORAL_CLI) {
    if (!(await isExecutable(env.TEMPORAL_CLI))) throw new Error(`TEMPORAL_CLI=${env.TEMPORAL_CLI} is not an executable file`);
    return env.TEMPORAL_CLI;
  }
  const onPath = await findOnPath('temporal', env.PATH);
  if (onPath) return onPath;
  const cacheDir = temporalCliCacheDir(env);
  const cached = path.join(cacheDir, 'temporal');
  if (await isExecutable(cached)) return cached;
  await buildWithGo(cacheDir, log, env);
  return cached;
}

async function buildWithGo(cacheDir: string, log: Log, env: NodeJS.ProcessEnv) {
  await mkdir(cacheDir, { recursive: true });
  const release = await acquirePidLock(path.join(cacheDir, 'build.lock'), (holder, attempt) => {
    if (attempt % 15 === 0) log(`Waiting for process ${holder}, which is building the Temporal CLI`);
  });
  try {
    if (await isExecutable(path.join(cacheDir, 'temporal'))) return; // another process built it while we waited
    const go = (await findOnPath('go', env.PATH)) ?? ((await isExecutable('/usr/local/go/bin/go')) ? '/usr/local/go/bin/go' : undefined);
    if (!go) throw new Error('The Temporal CLI is missing and there is no Go toolchain to build it: install Go >= 1.25 or set TEMPORAL_CLI');
    const staging = path.join(cacheDir, `staging-${process.pid}`);
    log(`Building the Temporal CLI v${temporalCliVersion} with ${go} into ${cacheDir} (first time only; takes minutes)`);
    const started = Date.now();
    await run(go, ['install', temporalCliModule], { ...env, GOBIN: staging, GOFLAGS: '-mod=mod' }, log, started);
    await rename(path.join(staging, 'temporal'), path.join(cacheDir, 'temporal'));
    await rm(staging, { recursive: true, force: true });
    log(`Temporal CLI built in ${Math.round((Date.now() - started) / 1000)} s`);
  } finally {
    await release();
  }
}

/** Runs `go install`, turning its chatter into a few progress lines (modules fetched, time spent). */
function run(command: string, args: string[], env: NodeJS.ProcessEnv, log: Log, started: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let downloads = 0;
    const tail: string[] = [];
    const ticker = setInterval(() => {
      log(`  ... still building (${Math.round((Date.now() - started) / 1000)} s, ${downloads} modules fetched)`);
    }, 15_000);
    const onOutput = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        if (line.startsWith('go: downloading')) downloads += 1;
        tail.push(line);
        if (tail.length > 20) tail.shift();
      }
    };
    child.stdout.on('data', onOutput);
    child.stderr.on('data', onOutput);
    child.on('error', (error) => {
      clearInterval(ticker);
      reject(error);
    });
    child.on('close', (code) => {
      clearInterval(ticker);
      if (code === 0) resolve();
      else reject(new Error(`go install ${temporalCliModule} failed (exit ${code}):\n${tail.join('\n')}`));
    });
  });
}

async function findOnPath(name: string, searchPath = ''): Promise<string | undefined> {
  for (const dir of searchPath.split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, name);
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

async function isExecutable(file: string): Promise<boolean> {
  return access(file, constants.X_OK).then(
    () => true,
    () => false,
  );
}
