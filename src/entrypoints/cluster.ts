import path from 'node:path';
import { startCluster } from '../cluster/cluster.ts';
import { fixedClusterPorts, freeClusterPorts } from '../cluster/ports.ts';
import { loadClusterSettings } from '../config.ts';

/**
 * `npm run cluster`: the production topology on this machine, without Docker. A PostgreSQL server of its own (initdb
 * in CLUSTER_DATA_DIR, default a directory under the system's temporary directory, kept between runs), the Temporal
 * server on it with its UI, a three-node NATS JetStream cluster, and every app part twice. Ports: CLUSTER_PORT_BASE
 * (default 17300) and CLUSTER_APP_PORT_BASE (default 3300), or CLUSTER_PORTS=free for ports the OS picks.
 * Ctrl-C stops everything, the app parts first.
 */
const log = (line: string) => console.log(`[cluster] ${line}`);
const settings = loadClusterSettings();
const { dataDir, postgresBinDir } = settings;
const ports = settings.ports.kind === 'free' ? await freeClusterPorts() : fixedClusterPorts(settings.ports.base, settings.ports.appBase);

log(`starting in ${dataDir} (one log file per process in ${path.join(dataDir, 'logs')})`);
const cluster = await startCluster({ dataDir, ports, postgresBinDir, log });
log('ready:');
for (const url of cluster.apiUrls) log(`  API            ${url}   (reference at /docs, health at /healthz and /readyz)`);
log(`  Temporal       ${cluster.temporalAddress}   (namespace default)`);
log(`  Temporal UI    ${cluster.temporalUiUrl ?? 'not available (the UI server did not build)'}`);
log(`  Temporal metrics http://127.0.0.1:${ports.temporal.metrics}/metrics`);
for (const { name, url } of cluster.metricsUrls) log(`  metrics        ${name.padEnd(12)} ${url}`);
log(`  NATS           ${cluster.endpoints.nats.join(',')}   (monitoring on :${ports.nats.map((n) => n.monitor).join(', :')})`);
log(`  PostgreSQL     ${cluster.databaseUrl}`);
log('Ctrl-C stops the cluster');

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, async () => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping the app parts, then NATS, Temporal and PostgreSQL`);
    await cluster.stop();
    log('stopped');
    process.exit();
  });
}
