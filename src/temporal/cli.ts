import os from 'node:os';
import path from 'node:path';
import { ensureGoBinaries, findOnPath, isExecutable } from '../lib/go-binaries.ts';

/**
 * The Temporal CLI (dev server + Web UI). No package ships it here and its own downloader cannot reach its host,
 * so we build it from the Go module proxy once and keep it in a cache outside the repo.
 * v1.5.1 is the newest tag `go install pkg@version` accepts (later ones carry a `replace` directive).
 */
export const temporalCliVersion = '1.5.1';
const temporalCliModule = `github.com/temporalio/cli/cmd/temporal@v${temporalCliVersion}`;

type Log = (line: string) => void;

/** ~/.cache/tripsaga (TRIPSAGA_CACHE_DIR, or XDG_CACHE_HOME/tripsaga): where the Go programs we build are kept. */
export function tripsagaCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.TRIPSAGA_CACHE_DIR ?? path.join(env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'tripsaga');
}

export function temporalCliCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(tripsagaCacheDir(env), `temporal-cli-${temporalCliVersion}`);
}

/** TEMPORAL_CLI if set, else a `temporal` on PATH, else the cached build, else a fresh build into the cache. */
export async function ensureTemporalCli({ log = console.log, env = process.env }: { log?: Log; env?: NodeJS.ProcessEnv } = {}) {
  if (env.TEMPORAL_CLI) {
    if (!(await isExecutable(env.TEMPORAL_CLI))) throw new Error(`TEMPORAL_CLI=${env.TEMPORAL_CLI} is not an executable file`);
    return env.TEMPORAL_CLI;
  }
  const onPath = await findOnPath('temporal', env.PATH);
  if (onPath) return onPath;
  const build = { name: 'Temporal CLI', version: temporalCliVersion, cacheDir: temporalCliCacheDir(env), packages: [temporalCliModule], binaries: { temporal: 'temporal' } } as const;
  return (await ensureGoBinaries(build, { log, env })).temporal;
}

