import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { acquirePidLock } from './pid-lock.ts';

type Log = (line: string) => void;

/**
 * A server binary `npm start` needs and no package ships here (the Temporal CLI, nats-server): named by an
 * environment variable, else found on PATH, else built once from the Go module proxy into a cache outside the repo.
 * `go install pkg@version` refuses modules with a `replace` directive in go.mod: pin a release that has none, or
 * build it as a tool of a throwaway module of our own (`asTool`), where the dependency's replace directives do not apply.
 */
export interface GoBinary {
  /** What it is called on PATH and in the cache, e.g. `temporal`. */
  name: string;
  /** The file `go install` writes, when it is not `name` (go.temporal.io/server/cmd/server writes `server`). */
  installs?: string;
  /** For log lines, e.g. `the Temporal CLI v1.5.1`. */
  title: string;
  /** `module/path@vX.Y.Z` for `go install`. */
  module: string;
  /** The cache folder's name under the tripsaga cache, e.g. `temporal-cli-1.5.1`: one folder per version. */
  cacheName: string;
  /** The environment variable that names an existing binary instead, e.g. TEMPORAL_CLI. */
  envVar: string;
  /** What Go the build needs, for the error when there is none. */
  goHint: string;
  /**
   * Build with `go get -tool module@version` in a module of our own under the cache folder, then `go build`: for a
   * module whose go.mod has a replace directive (Jaeger's), which `go install pkg@version` refuses.
   */
  asTool?: boolean;
}

/** `$TRIPSAGA_CACHE_DIR`, else `$XDG_CACHE_HOME/tripsaga`, else `~/.cache/tripsaga`. */
export function tripsagaCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.TRIPSAGA_CACHE_DIR ?? path.join(env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'tripsaga');
}

export function goBinaryCacheDir(binary: GoBinary, env: NodeJS.ProcessEnv = process.env): string {
  return path.join(tripsagaCacheDir(env), binary.cacheName);
}

/** The environment variable if set, else the binary on PATH, else the cached build, else a fresh build into the cache. */
export async function ensureGoBinary(binary: GoBinary, { log = console.log, env = process.env }: { log?: Log; env?: NodeJS.ProcessEnv } = {}) {
  const named = env[binary.envVar];
  if (named) {
    if (!(await isExecutable(named))) throw new Error(`${binary.envVar}=${named} is not an executable file`);
    return named;
  }
  const onPath = await findOnPath(binary.name, env.PATH);
  if (onPath) return onPath;
  const cacheDir = goBinaryCacheDir(binary, env);
  const cached = path.join(cacheDir, binary.name);
  if (await isExecutable(cached)) return cached;
  await buildWithGo(binary, cacheDir, log, env);
  return cached;
}

async function buildWithGo(binary: GoBinary, cacheDir: string, log: Log, env: NodeJS.ProcessEnv) {
  await mkdir(cacheDir, { recursive: true });
  const release = await acquirePidLock(path.join(cacheDir, 'build.lock'), (holder, attempt) => {
    if (attempt % 15 === 0) log(`Waiting for process ${holder}, which is building ${binary.title}`);
  });
  try {
    if (await isExecutable(path.join(cacheDir, binary.name))) return; // another process built it while we waited
    const go = await findGo(env);
    if (!go) throw new Error(`${binary.title} is missing and there is no Go toolchain to build it: install ${binary.goHint} or set ${binary.envVar}`);
    const staging = path.join(cacheDir, `staging-${process.pid}`);
    log(`Building ${binary.title} with ${go} into ${cacheDir} (first time only; may take minutes)`);
    const started = Date.now();
    if (binary.asTool) await buildAsTool(go, binary, cacheDir, staging, env, log, started);
    else await run(go, ['install', binary.module], { ...env, GOBIN: staging, GOFLAGS: '-mod=mod' }, log, started);
    await rename(path.join(staging, binary.installs ?? binary.name), path.join(cacheDir, binary.name));
    await rm(staging, { recursive: true, force: true });
    log(`${binary.title} built in ${Math.round((Date.now() - started) / 1000)} s`);
  } finally {
    await release();
  }
}

/** `go get -tool` into a module of our own (kept in the cache, so a second build fetches nothing), then `go build`. */
async function buildAsTool(go: string, binary: GoBinary, cacheDir: string, staging: string, env: NodeJS.ProcessEnv, log: Log, started: number) {
  const moduleDir = path.join(cacheDir, 'module');
  await mkdir(moduleDir, { recursive: true });
  const goMod = path.join(moduleDir, 'go.mod');
  if (!(await access(goMod).then(() => true, () => false))) await writeFile(goMod, `module tripsaga.local/${binary.name}-build\n\ngo 1.25\n`);
  const packagePath = binary.module.slice(0, binary.module.lastIndexOf('@'));
  const inModule = { ...env, GOFLAGS: '-mod=mod' };
  await run(go, ['get', '-tool', binary.module], inModule, log, started, moduleDir);
  await run(go, ['build', '-o', path.join(staging, binary.installs ?? binary.name), packagePath], inModule, log, started, moduleDir);
}

async function findGo(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  return (await findOnPath('go', env.PATH)) ?? ((await isExecutable('/usr/local/go/bin/go')) ? '/usr/local/go/bin/go' : undefined);
}

/**
 * Where the Go toolchain unpacked a module (read-only, in its module cache): a module's data files (schemas, config
 * templates) live there, next to the code a binary was built from.
 */
export async function goModuleDir(moduleAtVersion: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const go = await findGo(env);
  if (!go) throw new Error(`no Go toolchain to locate ${moduleAtVersion}`);
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn(go, ['mod', 'download', '-json', moduleAtVersion], { env: { ...env, GOFLAGS: '-mod=mod' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (out += chunk));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`go mod download ${moduleAtVersion} failed (exit ${code}): ${out}`))));
  });
  return (JSON.parse(output) as { Dir: string }).Dir;
}

/** Runs `go install`, turning its chatter into a few progress lines (modules fetched, time spent). */
function run(command: string, args: string[], env: NodeJS.ProcessEnv, log: Log, started: number, cwd?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
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
      else reject(new Error(`${command} ${args.join(' ')} failed (exit ${code}):\n${tail.join('\n')}`));
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
