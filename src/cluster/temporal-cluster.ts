import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { Connection } from '@temporalio/client';
import { ensureTemporalCli } from '../temporal/cli.ts';
import { ensureTemporalServer, ensureTemporalUiServer, type TemporalServerInstall, type TemporalUiInstall } from '../temporal/server-binaries.ts';
import { type ManagedProcess, spawnManaged, waitFor } from './managed-process.ts';
import { type ClusterPorts } from './ports.ts';
import {
  type ClusterEndpoints,
  temporalDynamicConfigFile,
  temporalNamespace,
  temporalNamespaceEnvironment,
  temporalNamespaceScript,
  temporalSchemaEnvironment,
  temporalSchemaScript,
  temporalServerEnvironment,
  temporalUiEnvironment,
} from './topology.ts';

const run = promisify(execFile);

export interface TemporalBinaries {
  cli: string;
  server: TemporalServerInstall;
  /** Undefined when the UI server could not be built (the cluster runs without a UI then). */
  ui?: TemporalUiInstall;
}

/** Finds or builds the CLI, the server with its SQL tool, and the UI server (each once, into the cache, with progress). */
export async function ensureTemporalBinaries(log: (line: string) => void): Promise<TemporalBinaries> {
  const cli = await ensureTemporalCli({ log });
  const server = await ensureTemporalServer({ log });
  const ui = await ensureTemporalUiServer({ log }).catch((error: Error) => {
    log(`Temporal UI server not available (${error.message.split('\n')[0]}); the cluster runs without a UI`);
    return undefined;
  });
  return { cli, server, ui };
}

export function temporalRunEnvironment(endpoints: ClusterEndpoints, ports: ClusterPorts, repoRoot: string): Record<string, string> {
  return {
    ...temporalServerEnvironment(endpoints, path.join(repoRoot, temporalDynamicConfigFile), `127.0.0.1:${ports.temporal.metrics}`),
    ...temporalPlacement(ports),
  };
}

/**
 * Where things are on one machine: every service of the server on a port of its own, on loopback. In containers
 * each keeps its default port and the image works out its address, so docker-compose.yml sets none of these.
 */
function temporalPlacement(ports: ClusterPorts): Record<(typeof temporalPlacementSettings)[number], string> {
  const t = ports.temporal;
  return {
    BIND_ON_IP: '127.0.0.1',
    TEMPORAL_BROADCAST_ADDRESS: '127.0.0.1',
    FRONTEND_GRPC_PORT: String(t.frontendGrpc),
    FRONTEND_HTTP_PORT: String(t.frontendHttp),
    FRONTEND_MEMBERSHIP_PORT: String(t.frontendMembership),
    HISTORY_GRPC_PORT: String(t.historyGrpc),
    HISTORY_MEMBERSHIP_PORT: String(t.historyMembership),
    MATCHING_GRPC_PORT: String(t.matchingGrpc),
    MATCHING_MEMBERSHIP_PORT: String(t.matchingMembership),
    WORKER_GRPC_PORT: String(t.workerGrpc),
    WORKER_MEMBERSHIP_PORT: String(t.workerMembership),
    LOG_LEVEL: 'warn',
  };
}

export const temporalPlacementSettings = [
  'BIND_ON_IP',
  'TEMPORAL_BROADCAST_ADDRESS',
  'FRONTEND_GRPC_PORT',
  'FRONTEND_HTTP_PORT',
  'FRONTEND_MEMBERSHIP_PORT',
  'HISTORY_GRPC_PORT',
  'HISTORY_MEMBERSHIP_PORT',
  'MATCHING_GRPC_PORT',
  'MATCHING_MEMBERSHIP_PORT',
  'WORKER_GRPC_PORT',
  'WORKER_MEMBERSHIP_PORT',
  'LOG_LEVEL',
] as const;

/** The schema job: deploy/temporal/setup-postgres.sh with the SQL tool we built. */
export async function setUpTemporalSchemas(binaries: TemporalBinaries, endpoints: ClusterEndpoints, repoRoot: string, log: (line: string) => void) {
  const env = { ...process.env, ...temporalSchemaEnvironment(endpoints, binaries.server.postgresSchemaDir), TEMPORAL_SQL_TOOL: binaries.server.sqlTool };
  const { stdout } = await run('sh', [path.join(repoRoot, temporalSchemaScript)], { env, maxBuffer: 16 * 1024 * 1024 });
  log(stdout.trim().split('\n').at(-1) ?? 'Temporal schemas ready');
}

/** The namespace job: deploy/temporal/create-namespace.sh with the CLI we built. */
export async function createTemporalNamespace(binaries: TemporalBinaries, endpoints: ClusterEndpoints, repoRoot: string, log: (line: string) => void) {
  const env = { ...process.env, ...temporalNamespaceEnvironment(endpoints), TEMPORAL_CLI: binaries.cli };
  const { stdout } = await run('timeout', ['180', 'sh', path.join(repoRoot, temporalNamespaceScript)], { env });
  log(stdout.trim().split('\n').at(-1) ?? `namespace ${temporalNamespace} ready`);
}

export function startTemporalServer(binaries: TemporalBinaries, env: Record<string, string>, logDir: string): ManagedProcess {
  const { server } = binaries;
  return spawnManaged('temporal-server', server.server, ['--root', server.root, '--config', 'config', '--env', 'docker', '--allow-no-auth', 'start'], {
    env: { ...process.env, ...env },
    logFile: path.join(logDir, 'temporal-server.log'),
  });
}

/** Resolves once the frontend answers for the namespace (the history and matching services answer behind it). */
export async function waitForTemporal(address: string, process?: ManagedProcess, timeoutMs = 120_000) {
  await waitFor(
    `Temporal frontend on ${address}`,
    async () => {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      try {
        await connection.withDeadline(Date.now() + 2_000, () => connection.workflowService.getSystemInfo({}));
        return true;
      } finally {
        await connection.close();
      }
    },
    { timeoutMs, intervalMs: 500, process },
  );
}

export function startTemporalUi(ui: TemporalUiInstall, endpoints: ClusterEndpoints, port: number, logDir: string): ManagedProcess {
  return spawnManaged('temporal-ui', ui.uiServer, ['--root', ui.root, '--config', 'config', '--env', 'docker', 'start'], {
    env: { ...process.env, ...temporalUiEnvironment(endpoints, port), TEMPORAL_CORS_ORIGINS: `http://localhost:${port}` },
    logFile: path.join(logDir, 'temporal-ui.log'),
  });
}

/** `temporal-server --version` says e.g. `temporal version 1.29.1`: the version that really runs. */
export async function temporalServerBinaryVersion(binaries: TemporalBinaries): Promise<string> {
  const { stdout } = await run(binaries.server.server, ['--version']);
  return /(\d+\.\d+\.\d+)/.exec(stdout)?.[1] ?? stdout.trim();
}
