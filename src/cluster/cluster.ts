import { exportJWK } from 'jose';
import { defaultAuthSettings } from '../auth/auth-settings.ts';
import { mintToken, type TokenRequest } from '../auth/mint-token.ts';
import { loadOrCreateSigningKey } from '../auth/signing-key.ts';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { generatedKeyEnvironment } from '../data-protection/keys.ts';
import { applyMigrations, pgExecutor } from '../db/migrations.ts';
import { temporalUiServerVersion } from '../temporal/server-binaries.ts';
import { type RunningPart, repoRoot, startPart, waitForPart } from './app-parts.ts';
import type { ManagedProcess } from './managed-process.ts';
import { ensureNatsServer } from '../transport/jetstream/nats-server.ts';
import { natsClusterNodes, natsServerBinaryVersion, startNatsNode, waitForJetStream, waitForNodeHealthy } from './nats-cluster.ts';
import { ensureDatabase, openPostgresInstance, type PostgresInstance } from './postgres-instance.ts';
import type { ClusterPorts } from './ports.ts';
import {
  createTemporalNamespace,
  ensureTemporalBinaries,
  setUpTemporalSchemas,
  startTemporalServer,
  startTemporalUi,
  type TemporalBinaries,
  temporalRunEnvironment,
  temporalServerBinaryVersion,
  waitForTemporal,
} from './temporal-cluster.ts';
import { type AppPartName, appParts, type ClusterEndpoints, type NatsNode, type ProtectionSettings, natsNodeArgs, temporalNamespaceEnvironment, temporalSchemaEnvironment, temporalUiEnvironment } from './topology.ts';

export const appDatabase = 'tripsaga';

export interface ClusterOptions {
  /** Everything the cluster keeps: PostgreSQL's data, the NATS stores, one log file per process. Reused when it exists. */
  dataDir: string;
  ports: ClusterPorts;
  /** Where initdb and postgres are; absent: the newest Debian install. */
  postgresBinDir?: string;
  log?: (line: string) => void;
}

/** What ran, as docker-compose.yml must declare it (test/docker-compose.test.ts compares the two). */
export interface ClusterManifest {
  versions: { postgres: string; temporalServer: string; temporalUi?: string; nats: string };
  temporalServerEnvironment: string[];
  temporalSchemaEnvironment: string[];
  temporalNamespaceEnvironment: string[];
  temporalUiEnvironment?: string[];
  natsNodes: { name: string; args: string[] }[];
  parts: { name: AppPartName; script: string; replicas: number; environment: string[] }[];
}

export type Cluster = Awaited<ReturnType<typeof startCluster>>;

/**
 * Starts the production topology on this machine, in dependency order: PostgreSQL (own instance), the app's
 * migrations and Temporal's schemas, the Temporal server and its namespace, the UI, three NATS nodes, then every
 * app part twice. Each step waits until the thing it started answers. The returned handle also stops, kills and
 * restarts single pieces: the faults the chaos run injects.
 */
export async function startCluster({ dataDir, ports, postgresBinDir, log = console.log }: ClusterOptions) {
  const logDir = path.join(dataDir, 'logs');
  await mkdir(logDir, { recursive: true });
  const binaries: TemporalBinaries = await ensureTemporalBinaries(log);
  const natsServer = await ensureNatsServer({ log });

  const endpoints: ClusterEndpoints = {
    postgres: { host: '127.0.0.1', port: ports.postgres, user: 'postgres', password: '', database: appDatabase },
    temporal: { host: '127.0.0.1', port: ports.temporal.frontendGrpc },
    temporalUiUrl: `http://localhost:${ports.temporalUi}`,
    nats: ports.nats.map((p) => `nats://127.0.0.1:${p.client}`),
    // No load balancer on one machine: the consumers get both APIs and fail over between them.
    apiBaseUrl: ports.parts.api.map((port) => `http://127.0.0.1:${port}`).join(','),
  };
  const { keys, mint } = await clusterKeys(dataDir);
  const stopAll: (() => Promise<void>)[] = [];
  const stopEverything = async () => {
    for (const stop of stopAll.splice(0).reverse()) await stop().catch((error: Error) => log(`while stopping: ${error.message}`));
  };
  try {
    return await startEverything();
  } catch (error) {
    log(`start failed; stopping what had started`);
    await stopEverything();
    throw error;
  }

  async function startEverything() {
    const postgres: PostgresInstance = await openPostgresInstance({ dir: path.join(dataDir, 'postgres'), port: ports.postgres, binDir: postgresBinDir, log });
    await postgres.start();
    stopAll.push(() => postgres.stop('fast'));
    log(`PostgreSQL ${postgres.version} on 127.0.0.1:${ports.postgres} (data in ${postgres.dataDir})`);
    await ensureDatabase(postgres, appDatabase);
    await migrateAppDatabase(postgres.url(appDatabase), log);
    await setUpTemporalSchemas(binaries, endpoints, repoRoot, log);

    const temporalEnv = temporalRunEnvironment(endpoints, ports, repoRoot);
    let temporalServer: ManagedProcess = startTemporalServer(binaries, temporalEnv, logDir);
    stopAll.push(() => temporalServer.stop());
    const temporalAddress = `127.0.0.1:${ports.temporal.frontendGrpc}`;
    await waitForTemporal(temporalAddress, temporalServer);
    await createTemporalNamespace(binaries, endpoints, repoRoot, log);
    log(`Temporal server ${await temporalServerBinaryVersion(binaries)} on ${temporalAddress} (frontend, history, matching, worker; metrics on :${ports.temporal.metrics}/metrics)`);

    let ui: ManagedProcess | undefined;
    if (binaries.ui) {
      ui = startTemporalUi(binaries.ui, endpoints, ports.temporalUi, logDir);
      stopAll.push(async () => ui?.stop());
    }

    const natsNodes: NatsNode[] = natsClusterNodes(ports, dataDir);
    const natsProcesses: ManagedProcess[] = [];
    for (const node of natsNodes) natsProcesses.push(await startNatsNode(natsServer, node, natsNodes, logDir));
    stopAll.push(async () => void (await Promise.all(natsProcesses.map((p) => p.stop()))));
    await waitForJetStream(endpoints.nats);
    log(`NATS JetStream cluster of ${natsNodes.length} on ${endpoints.nats.join(',')}`);

    const running = new Map<string, RunningPart>();
    const key = (name: AppPartName, replica: number) => `${name}-${replica + 1}`;
    const launch = (name: AppPartName, replica: number) => {
      const part = appParts.find((p) => p.name === name)!;
      const port = ports.parts[name][replica]!;
      const started = startPart(part, replica, port, part.environment(endpoints, port, keys), logDir);
      running.set(key(name, replica), started);
      return started;
    };
    stopAll.push(async () => void (await Promise.all([...running.values()].map((r) => r.process.stop()))));
    // The workers first, so the API's first sagas find someone polling; relays and consumers in any order.
    for (const names of [['worker'], ['api', 'relay', 'consumers']] as AppPartName[][]) {
      const batch = names.flatMap((name) => Array.from({ length: appParts.find((p) => p.name === name)!.replicas }, (_, r) => launch(name, r)));
      await Promise.all(batch.map((r) => waitForPart(r)));
    }

    // Read back from what runs: the binaries' own versions, the processes' environments, the nodes' arguments.
    const manifest: ClusterManifest = {
      versions: { postgres: postgres.version, temporalServer: await temporalServerBinaryVersion(binaries), temporalUi: binaries.ui ? temporalUiServerVersion : undefined, nats: await natsServerBinaryVersion(natsServer) },
      temporalServerEnvironment: Object.keys(temporalEnv),
      temporalSchemaEnvironment: Object.keys(temporalSchemaEnvironment(endpoints, binaries.server.postgresSchemaDir)),
      temporalNamespaceEnvironment: Object.keys(temporalNamespaceEnvironment(endpoints)),
      temporalUiEnvironment: binaries.ui ? Object.keys(temporalUiEnvironment(endpoints, ports.temporalUi)) : undefined,
      natsNodes: natsNodes.map((node) => ({ name: node.name, args: natsNodeArgs(node, natsNodes, '127.0.0.1') })),
      parts: appParts.map((part) => {
        const replicas = [...running.values()].filter((r) => r.part.name === part.name);
        return { name: part.name, script: part.script, replicas: replicas.length, environment: Object.keys(replicas[0]!.env) };
      }),
    };
    await writeFile(path.join(dataDir, 'cluster.json'), `${JSON.stringify(manifest, null, 2)}\n`);

    return {
      endpoints,
      ports,
      manifest,
      logDir,
      postgres,
      databaseUrl: postgres.url(appDatabase),
      temporalAddress,
      apiUrls: ports.parts.api.map((port) => `http://127.0.0.1:${port}`),
      metricsUrls: appParts.flatMap((part) => ports.parts[part.name].map((port, r) => ({ name: key(part.name, r), url: `http://127.0.0.1:${port}/metrics` }))),
      temporalUiUrl: ui ? endpoints.temporalUiUrl : undefined,
      natsNodes,
      /** A token the cluster's APIs accept: an operator's, or a traveler's (the chaos load books as its travelers). */
      mint,

      part: (name: AppPartName, replica: number) => running.get(key(name, replica))!,
      /** SIGKILLs one replica; resolves once it is gone. */
      async killPart(name: AppPartName, replica: number) {
        await running.get(key(name, replica))!.process.kill();
      },
      /** Starts a replica again (after killPart); resolves when it answers. */
      async startPart(name: AppPartName, replica: number) {
        await waitForPart(launch(name, replica));
      },
      async stopTemporal() {
        await temporalServer.stop();
      },
      async startTemporal() {
        temporalServer = startTemporalServer(binaries, temporalEnv, logDir);
        await waitForTemporal(temporalAddress, temporalServer);
      },
      async killNatsNode(index: number) {
        await natsProcesses[index]!.kill();
      },
      async startNatsNode(index: number) {
        natsProcesses[index] = await startNatsNode(natsServer, natsNodes[index]!, natsNodes, logDir);
        await waitForNodeHealthy(natsNodes[index]!);
      },
      /** `pg_ctl restart -m fast`: every session is cut, new ones are refused until it is back. */
      async restartPostgres() {
        await postgres.stop('fast');
        await postgres.start();
      },
      stop: stopEverything,
    };
    }
  }

  async function migrateAppDatabase(url: string, log: (line: string) => void) {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const { applied } = await applyMigrations(pgExecutor(client), { log: () => {} });
      log(applied.length > 0 ? `database ${appDatabase}: ${applied.length} migration(s) applied` : `database ${appDatabase}: up to date`);
    } finally {
      await client.end();
  }
}

/**
 * The data-protection keys every worker and API of this cluster shares, generated on the first start and kept in the
 * data directory (readable by its owner only): a restart must still decrypt the payloads of the sagas it resumes.
 */
async function clusterKeys(dataDir: string): Promise<{ keys: ProtectionSettings; mint: (request: TokenRequest) => Promise<string> }> {
  const file = path.join(dataDir, 'data-protection-keys.json');
  const stored = await readFile(file, 'utf8').then(
    (text) => JSON.parse(text) as Omit<ProtectionSettings, 'AUTH_PUBLIC_KEY' | 'API_TOKEN'>,
    () => undefined,
  );
  const protection = stored ?? generatedKeyEnvironment();
  if (!stored) await writeFile(file, `${JSON.stringify(protection, null, 2)}\n`, { mode: 0o600 });
  // The cluster plays the identity provider: it holds the signing key, the APIs only its public half.
  const signingKey = await loadOrCreateSigningKey(dataDir);
  const mint = (request: TokenRequest) => mintToken(signingKey, defaultAuthSettings, request);
  const publicKey = JSON.stringify({ ...(await exportJWK(signingKey.publicKey)), kid: signingKey.kid, alg: signingKey.alg });
  const apiToken = await mint({ role: 'operator', subject: 'tripsaga-consumers', expiresIn: '30 days' });
  return { keys: { ...protection, AUTH_PUBLIC_KEY: publicKey, API_TOKEN: apiToken }, mint };
}
