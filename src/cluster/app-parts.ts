import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ManagedProcess, spawnManaged, waitFor } from './managed-process.ts';
import type { AppPart } from './topology.ts';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/**
 * The entry file of an npm script (`"worker": "tsx src/entrypoints/worker.ts"` -> src/entrypoints/worker.ts). package.json is the one
 * place that maps a part to its code; the cluster runs the file itself with `node --import tsx`, so the pid is the
 * part's own process and a SIGKILL lands where it is meant to.
 */
export function entryFileOf(script: string): string {
  const scripts = (JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  const command = scripts[script];
  const entry = command?.split(/\s+/).find((word) => /\.(ts|mjs|js)$/.test(word));
  if (!entry) throw new Error(`npm script "${script}" does not name an entry file (package.json: ${command ?? 'missing'})`);
  return entry;
}

export interface RunningPart {
  part: AppPart;
  replica: number;
  port: number;
  env: Record<string, string>;
  process: ManagedProcess;
}

export function startPart(part: AppPart, replica: number, port: number, env: Record<string, string>, logDir: string): RunningPart {
  const name = `${part.name}-${replica + 1}`;
  const process_ = spawnManaged(name, process.execPath, ['--import', 'tsx', entryFileOf(part.script)], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    logFile: path.join(logDir, `${name}.log`),
  });
  return { part, replica, port, env, process: process_ };
}

/** Every part answers GET /healthz on its port once it has started (the API on its own, the others beside /metrics). */
export async function waitForPart(running: RunningPart, timeoutMs = 120_000) {
  await waitFor(`${running.process.name} on :${running.port}`, async () => (await fetch(`http://127.0.0.1:${running.port}/healthz`)).ok, {
    timeoutMs,
    intervalMs: 500,
    process: running.process,
  });
}
