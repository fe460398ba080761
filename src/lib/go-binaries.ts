import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { acquirePidLock } from './pid-lock.ts';

type Log = (line: string) => void;

/**
 * Go programs no package ships here (the Temporal CLI, server, schema tool and UI server), built from the Go module
 * proxy once into a cache directory outside the repo. Concurrent callers wait on one build (a pid lock per directory).
 */
export interface GoBuild<B extends Record<string, string> = Record<string, string>> {
  /** What the progress lines call it, e.g. `Temporal server` and `1.29.1`. */
  name: string;
  version: string;
  cacheDir: string;
  /** `go install` arguments, each `<package>@<version>`; the packages of one module version build in one go. */
  packages: readonly string[];
  /** File name `go install` gives each package's binary -> the name it gets in the cache (two packages may both be `server`). */
  binaries: B;
}

/** The cached binaries by their cache names, building them first if any is missing. */
export async function ensureGoBinaries<const B extends Record<string, string>>(
  build: GoBuild<B>,
  { log = console.log, env = process.env }: { log?: Log; env?: NodeJS.ProcessEnv } = {},
): Promise<Record<B[keyof B], string>> {
  const paths = Object.fromEntries(Object.values(build.binaries).map((name) => [name, path.join(build.cacheDir, name)])) as Record<B[keyof B], string>;
  if (await allExecutable(Object.values(paths))) return paths;
  await mkdir(build.cacheDir, { recursive: true });
  const label = `the ${build.name} v${build.version}`;
  const release = await acquirePidLock(path.join(build.cacheDir, 'build.lock'), (holder, attempt) => {
    if (attempt % 15 === 0) log(`Waiting for process ${holder}, which is building ${label}`);
  });
  try {
    if (await allExecutable(Object.values(paths))) return paths; // another process built them while we waited
    const go = await findGo(env);
    if (!go) throw new Error(`${label} is missing and there is no Go toolchain to build it: install Go >= 1.25`);
    // One package at a time, each binary renamed out of staging at once: two of them may both be called `server`.
    log(`Building ${label} with ${go} into ${build.cacheDir} (first time only; takes minutes)`);
    const started = Date.now();
    const staging = path.join(build.cacheDir, `staging-${process.pid}`);
    for (const pkg of build.packages) {
      await rm(staging, { recursive: true, force: true });
      await goInstall(go, pkg, { ...env, GOBIN: staging, GOFLAGS: '-mod=mod' }, log, started);
      for (const [built, name] of Object.entries(build.binaries)) {
        if (await isExecutable(path.join(staging, built))) await rename(path.join(staging, built), paths[name as B[keyof B]]);
      }
      await rm(staging, { recursive: true, force: true });
    }
    if (!(await allExecutable(Object.values(paths)))) throw new Error(`go install left no ${Object.keys(build.binaries).join(', ')} for ${label}`);
    log(`${build.name} built in ${Math.round((Date.now() - started) / 1000)} s`);
    return paths;
  } finally {
    await release();
  }
}

/**
 * The directory `go install` unpacked a module into (read-only, in the module cache): where a module's data files
 * (schemas, config templates) are, next to the binary built from it.
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

async function findGo(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  return (await findOnPath('go', env.PATH)) ?? ((await isExecutable('/usr/local/go/bin/go')) ? '/usr/local/go/bin/go' : undefined);
}

/** Runs `go install`, turning its chatter into a few progress lines (modules fetched, time spent). */
function goInstall(go: string, pkg: string, env: NodeJS.ProcessEnv, log: Log, started: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(go, ['install', pkg], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let downloads = 0;
    const tail: string[] = [];
    const ticker = setInterval(() => {
      log(`  ... still building ${pkg} (${Math.round((Date.now() - started) / 1000)} s, ${downloads} modules fetched)`);
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
      else reject(new Error(`go install ${pkg} failed (exit ${code}):\n${tail.join('\n')}`));
    });
  });
}

export async function findOnPath(name: string, searchPath = ''): Promise<string | undefined> {
  for (const dir of searchPath.split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, name);
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

export async function isExecutable(file: string): Promise<boolean> {
  return access(file, constants.X_OK).then(
    () => true,
    () => false,
  );
}

async function allExecutable(files: string[]): Promise<boolean> {
  return (await Promise.all(files.map(isExecutable))).every(Boolean);
}
