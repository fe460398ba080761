import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { type ManagedProcess, spawnManaged, waitFor } from './managed-process.ts';
import type { ClusterPorts } from './ports.ts';
import { type NatsNode, natsNodeArgs, natsNodeName } from './topology.ts';

const run = promisify(execFile);


/** Three nats-server processes on loopback, routed to each other, JetStream on each with a store of its own. */
export function natsClusterNodes(ports: ClusterPorts, dataDir: string): NatsNode[] {
  return ports.nats.map((p, i) => ({
    name: natsNodeName(i),
    host: '127.0.0.1',
    clientPort: p.client,
    clusterPort: p.cluster,
    monitorPort: p.monitor,
    storeDir: path.join(dataDir, 'nats', natsNodeName(i)),
  }));
}

/** The nats-server `npm start` runs too: NATS_SERVER_BIN, else one on PATH (Debian's 2.9.10 clusters JetStream fine). */
export async function startNatsNode(binary: string, node: NatsNode, nodes: readonly NatsNode[], logDir: string): Promise<ManagedProcess> {
  await mkdir(node.storeDir, { recursive: true });
  return spawnManaged(node.name, binary, natsNodeArgs(node, nodes, '127.0.0.1'), { env: process.env, logFile: path.join(logDir, `${node.name}.log`) });
}

/** Resolves once JetStream answers through `urls` (its meta leader is elected: streams can be created). */
export async function waitForJetStream(urls: string[], timeoutMs = 60_000) {
  await waitFor(
    `JetStream on ${urls.join(',')}`,
    async () => {
      const nc = await connect({ servers: urls, timeout: 1_000, reconnect: false });
      try {
        const jsm = await jetstreamManager(nc, { timeout: 2_000 });
        await jsm.getAccountInfo();
        return true;
      } finally {
        await nc.close();
      }
    },
    { timeoutMs, intervalMs: 500 },
  );
}

/** The node's own monitoring endpoint says when it is back in the cluster and has caught up its streams. */
export async function waitForNodeHealthy(node: NatsNode, timeoutMs = 60_000) {
  await waitFor(`${node.name} healthy`, async () => (await fetch(`http://127.0.0.1:${node.monitorPort}/healthz`)).ok, { timeoutMs, intervalMs: 500 });
}

export async function natsServerBinaryVersion(binary: string): Promise<string> {
  const { stdout } = await run(binary, ['--version']);
  return /v?(\d+\.\d+\.\d+)/.exec(stdout)?.[1] ?? stdout.trim();
}
