import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ensureTemporalCli, temporalCliCacheDir } from '../src/temporal/cli.ts';

// The Go toolchain is a boundary we do not own, and a real build takes minutes: a stand-in `go` on PATH records how it
// was called and "builds" a binary where GOBIN says. What is under test is our find-or-build-once logic around it.
const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function sandbox(goScript: string) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tripsaga-cli-'));
  dirs.push(dir);
  const bin = path.join(dir, 'bin');
  await writeFile(path.join(dir, 'calls'), '');
  await mkdir(bin);
  await writeFile(path.join(bin, 'go'), `#!/bin/sh\necho "$@ GOBIN=$GOBIN" >> ${dir}/calls\n${goScript}\n`);
  await chmod(path.join(bin, 'go'), 0o755);
  const env = { PATH: `${bin}:/usr/bin:/bin`, TRIPSAGA_CACHE_DIR: path.join(dir, 'cache'), HOME: dir };
  const calls = async () => (await readFile(path.join(dir, 'calls'), 'utf8')).split('\n').filter(Boolean);
  return { dir, env, calls };
}

const buildsBinary = 'echo "go: downloading github.com/temporalio/cli v1.5.1" >&2; mkdir -p "$GOBIN"; printf "#!/bin/sh\\necho temporal" > "$GOBIN/temporal"; chmod +x "$GOBIN/temporal"';

describe('ensureTemporalCli', () => {
  it('builds the pinned CLI once into the cache, then reuses it', async () => {
    const { env, calls } = await sandbox(buildsBinary);
    const lines: string[] = [];
    const first = await ensureTemporalCli({ env, log: (l) => lines.push(l) });
    const second = await ensureTemporalCli({ env, log: (l) => lines.push(l) });

    expect(first).toBe(path.join(temporalCliCacheDir(env), 'temporal'));
    expect(second).toBe(first);
    const recorded = await calls();
    expect(recorded).toHaveLength(1);
    expect(recorded[0]).toMatch(/^install github\.com\/temporalio\/cli\/cmd\/temporal@v1\.5\.1 GOBIN=.*staging-\d+$/);
    expect(lines.join('\n')).toMatch(/Building the Temporal CLI v1\.5\.1[\s\S]*Temporal CLI v1\.5\.1 built in/);
  });

  it('two callers asking at once build it once', async () => {
    const { env, calls } = await sandbox(`sleep 1; ${buildsBinary}`);
    const [a, b] = await Promise.all([ensureTemporalCli({ env, log: () => {} }), ensureTemporalCli({ env, log: () => {} })]);
    expect(a).toBe(b);
    expect(await calls()).toHaveLength(1);
  });

  it('prefers TEMPORAL_CLI, then a temporal on PATH, and never builds then', async () => {
    const { dir, env, calls } = await sandbox(buildsBinary);
    const onPath = path.join(dir, 'bin', 'temporal');
    await writeFile(onPath, '#!/bin/sh\n');
    await chmod(onPath, 0o755);
    expect(await ensureTemporalCli({ env, log: () => {} })).toBe(onPath);
    expect(await ensureTemporalCli({ env: { ...env, TEMPORAL_CLI: '/bin/sh' }, log: () => {} })).toBe('/bin/sh');
    await expect(ensureTemporalCli({ env: { ...env, TEMPORAL_CLI: '/nope/temporal' }, log: () => {} })).rejects.toThrow(/not an executable/);
    expect(await calls()).toHaveLength(0);
  });

  it('a failed build says why, with the end of Go output, and leaves no binary behind', async () => {
    const { env } = await sandbox('echo "go: module lookup disabled" >&2; exit 1');
    await expect(ensureTemporalCli({ env, log: () => {} })).rejects.toThrow(/failed \(exit 1\):\ngo: module lookup disabled/);
    await expect(readFile(path.join(temporalCliCacheDir(env), 'temporal'))).rejects.toThrow();
  });
});
