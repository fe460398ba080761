import { freePort } from '../temporal/dev-server.ts';
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

/**
 * Fixed ports from two bases: CLUSTER_PORT_BASE (default 17300) for the servers, CLUSTER_APP_PORT_BASE (default 3300)
 * for the API and metrics ports of the app parts.
 */
export function fixedClusterPorts(env: NodeJS.ProcessEnv = process.env): ClusterPorts {
  const base = Number(env.CLUSTER_PORT_BASE ?? 17300);
  const appBase = Number(env.CLUSTER_APP_PORT_BASE ?? 3300);
  const temporalKeys = ['frontendGrpc', 'frontendHttp', 'frontendMembership', 'historyGrpc', 'historyMembership', 'matchingGrpc', 'matchingMembership', 'workerGrpc', 'workerMembership', 'metrics'] as const;
  return {
    postgres: base,
    temporal: Object.fromEntries(temporalKeys.map((key, i) => [key, base + 10 + i])) as ClusterPorts['temporal'],
    temporalUi: base + 20,
    nats: Array.from({ length: natsNodeCount }, (_, i) => ({ client: base + 30 + i, cluster: base + 40 + i, monitor: base + 50 + i })),
    parts: Object.fromEntries(appParts.map((part, p) => [part.name, Array.from({ length: part.replicas }, (_, r) => appBase + p * 10 + r)])) as ClusterPorts['parts'],
  };
}

/** The same shape with ports the OS says are free (tests, and runs beside another cluster). */
export async function freeClusterPorts(): Promise<ClusterPorts> {
  const fixed = fixedClusterPorts();
  const taken = new Set<number>();
  const next = async () => {
    for (;;) {
      const port = await freePort();
      if (!taken.has(port)) {
        taken.add(port);
        return port;
      }
    }
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
