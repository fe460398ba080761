import { ensureGoBinary, type GoBinary, goBinaryCacheDir } from '../lib/go-binary.ts';

/**
 * The Temporal CLI (dev server + Web UI). No package ships it here and its own downloader cannot reach its host,
 * so we build it from the Go module proxy once and keep it in a cache outside the repo.
 * v1.5.1 is the newest tag `go install pkg@version` accepts (later ones carry a `replace` directive).
 */
export const temporalCliVersion = '1.5.1';

const temporalCli: GoBinary = {
  name: 'temporal',
  title: `the Temporal CLI v${temporalCliVersion}`,
  module: `github.com/temporalio/cli/cmd/temporal@v${temporalCliVersion}`,
  cacheName: `temporal-cli-${temporalCliVersion}`,
  envVar: 'TEMPORAL_CLI',
  goHint: 'Go >= 1.25',
};

export function temporalCliCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return goBinaryCacheDir(temporalCli, env);
}

/** TEMPORAL_CLI if set, else a `temporal` on PATH, else the cached build, else a fresh build into the cache. */
export function ensureTemporalCli(options: { log?: (line: string) => void; env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  return ensureGoBinary(temporalCli, options);
}
