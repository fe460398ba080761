import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type pg from 'pg';
import { ensureTemporalCli } from '../src/temporal/cli.ts';
import { repoRoot } from './child-process.ts';

const run = promisify(execFile);

export interface MachineInfo {
  cpuModel: string;
  cpus: number;
  memoryGiB: number;
  os: string;
  /** 1/5/15-minute load averages when the run started and ended: the first thing to read on a shared machine. */
  loadAverageAtStart: number[];
  loadAverageAtEnd?: number[];
}

export function describeMachine(): MachineInfo {
  return {
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    cpus: os.availableParallelism(),
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    loadAverageAtStart: os.loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

const packagesOfInterest = ['@temporalio/worker', '@temporalio/client', '@prisma/client', '@prisma/adapter-pg', 'pg', 'express', 'tsx', '@nats-io/transport-node', '@nats-io/jetstream'];

export async function describeVersions(db: pg.Pool) {
  const packages: Record<string, string> = {};
  for (const name of packagesOfInterest) {
    const manifest = await readFile(path.join(repoRoot, 'node_modules', name, 'package.json'), 'utf8').catch(() => undefined);
    packages[name] = manifest ? (JSON.parse(manifest) as { version: string }).version : 'missing';
  }
  const postgres = (await db.query<{ server_version: string }>('SHOW server_version')).rows[0]?.server_version ?? 'unknown';
  const temporalCli = await ensureTemporalCli({ log: () => {} })
    .then((cli) => run(cli, ['--version']))
    .then(({ stdout }) => stdout.trim())
    .catch((error: Error) => `unknown (${error.message})`);
  const commit = await run('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot }).then(({ stdout }) => stdout.trim()).catch(() => 'unknown');
  const dirty = await run('git', ['status', '--porcelain'], { cwd: repoRoot }).then(({ stdout }) => stdout.trim() !== '').catch(() => false);
  return { node: process.version, postgres, temporalCli, packages, gitCommit: dirty ? `${commit} (uncommitted changes)` : commit };
}
