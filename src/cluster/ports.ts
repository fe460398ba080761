import net from 'node:net';
import { type AppPartName, appParts, natsNodeCount } from './topology.ts';

/** Every port the cluster listens on, on one machine (in containers each keeps its default). */
export interface ClusterPorts {
  postgres: number;
  temporal: {
    frontendGrpc: number;
    frontendHttp: number;
    frontendMembership: number;
    historyGrpc: number;
    historyMembership: number;
    matchingGrpc: number;
    matchingMembership: number;
    workerGrpc: number;
    workerMembership: number;
    metrics: number;
  };
  temporalUi: number;
  nats: { client: number; cluster: number; monitor: number }[];
  /** Per part, one port per replica: the API's, or the metrics-and-health port. */
  parts: Record<AppPartName, number[]>;
}

/** Fixed ports from two bases: `base` for the servers, `appBase` for the API and metrics ports of the app parts. */
export function fixedClusterPorts(base = 17300, appBase = 3300): ClusterPorts {
  const temporalKeys = ['frontendGrpc', 'frontendHttp', 'frontendMembership', 'historyGrpc', 'historyMembership', 'matchingGrpc', 'matchingMembership', 'workerGrpc', 'workerMembership', 'metrics'] as const;
  return {
    postgres: base,
    temporal: Object.fromEntries(temporalKeys.map((key, i) => [key, base + 10 + i])) as ClusterPorts['temporal'],
    temporalUi: base + 20,
    nats: Array.from({ length: natsNodeCount }, (_, i) => ({ client: base + 30 + i, cluster: base + 40 + i, monitor: base + 50 + i })),
    parts: Object.fromEntries(appParts.map((part, p) => [part.name, Array.from({ length: part.replicas }, (_, r) => appBase + p * 10 + r)])) as ClusterPorts['parts'],
  };
}

/**
 * The same shape with ports that are free now (tests, and runs beside another cluster), taken from 20000-32767: below
 * the ephemeral range, where outgoing connections would take them from under us, and within what Temporal stores
 * of a membership port (a smallint).
 */
export async function freeClusterPorts(): Promise<ClusterPorts> {
  const fixed = fixedClusterPorts();
  const taken = new Set<number>();
  let candidate = 20_000 + Math.floor(Math.random() * 12_000);
  const next = async () => {
    for (let tries = 0; tries < 12_768; tries += 1) {
      candidate = candidate >= 32_767 ? 20_000 : candidate + 1;
      if (!taken.has(candidate) && (await isFree(candidate))) {
        taken.add(candidate);
        return candidate;
      }
    }
    throw new Error('no free port in 20000-32767');
  };
  const temporal = {} as Record<string, number>;
  for (const key of Object.keys(fixed.temporal)) temporal[key] = await next();
  const nats = [];
  for (let i = 0; i < fixed.nats.length; i += 1) nats.push({ client: await next(), cluster: await next(), monitor: await next() });
  const parts = {} as Record<string, number[]>;
  for (const [name, ports] of Object.entries(fixed.parts)) {
    parts[name] = [];
    for (let i = 0; i < ports.length; i += 1) parts[name].push(await next());
  }
  return { postgres: await next(), temporal: temporal as ClusterPorts['temporal'], temporalUi: await next(), nats, parts: parts as ClusterPorts['parts'] };
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
