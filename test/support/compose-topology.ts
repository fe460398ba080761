import path from 'node:path';
import type { ClusterManifest } from '../../src/cluster/cluster.ts';
import { temporalPlacementSettings } from '../../src/cluster/temporal-cluster.ts';
import {
  appParts,
  type ClusterEndpoints,
  clusterImages,
  clusterVersions,
  migrateJob,
  type NatsNode,
  type ProtectionSettings,
  natsNodeArgs,
  natsNodeName,
  temporalNamespaceEnvironment,
  temporalNamespaceScript,
  temporalSchemaEnvironment,
  temporalSchemaScript,
  temporalServerEnvironment,
  temporalUiEnvironment,
} from '../../src/cluster/topology.ts';

/** Where things are inside docker-compose.yml: service names as hosts, each container on its default ports. */
export const composeEndpoints: ClusterEndpoints = {
  postgres: { host: 'postgres', port: 5432, user: 'tripsaga', password: 'tripsaga', database: 'tripsaga' },
  temporal: { host: 'temporal', port: 7233 },
  temporalUiUrl: 'http://localhost:8080',
  nats: [1, 2, 3].map((n) => `nats://nats-${n}:4222`),
  apiBaseUrl: 'http://api:3000',
};
/** docker-compose.yml takes the keys from the environment it runs in (docs/security.md): these are its placeholders. */
const composeKeys: ProtectionSettings = {
  TEMPORAL_CODEC_KEYS: '${TEMPORAL_CODEC_KEYS:?set TEMPORAL_CODEC_KEYS, see docs/security.md}',
  TEMPORAL_CODEC_ACTIVE_KEY: '${TEMPORAL_CODEC_ACTIVE_KEY:-}',
  TRAVELER_PSEUDONYM_KEY: '${TRAVELER_PSEUDONYM_KEY:?set TRAVELER_PSEUDONYM_KEY, see docs/security.md}',
  CODEC_OPERATOR_TOKEN: '${CODEC_OPERATOR_TOKEN:-}',
  AUTH_PUBLIC_KEY: '${AUTH_PUBLIC_KEY:?set AUTH_PUBLIC_KEY (your identity provider\'s public key), see docs/security.md}',
  API_TOKEN: '${API_TOKEN:?set API_TOKEN (an operator token for the consumers), see docs/security.md}',
};
const containerPorts = { api: 3000, metrics: 9464, temporalUi: 8080 };
const composeNatsNodes: NatsNode[] = [0, 1, 2].map((i) => ({ name: natsNodeName(i), host: natsNodeName(i), clientPort: 4222, clusterPort: 6222, monitorPort: 8222, storeDir: '/data' }));
const inContainers = {
  schemaDir: '/etc/temporal/schema/postgresql/v12',
  dynamicConfig: '/etc/temporal/config/dynamicconfig/tripsaga.yaml',
  prometheus: '0.0.0.0:8000',
};

type Service = { image?: string; build?: unknown; command?: string[]; environment?: Record<string, string>; deploy?: { replicas?: number } };
type Compose = { services: Record<string, Service> };

/** Every way docker-compose.yml departs from the topology's description (src/cluster/topology.ts); empty when true to it. */
export function composeDifferencesFromDescription(compose: Compose): string[] {
  const problems: string[] = [];
  const s = compose.services;
  const same = (what: string, actual: unknown, expected: unknown) => {
    if (JSON.stringify(actual) !== JSON.stringify(expected)) problems.push(`${what}: ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
  };
  const sorted = (env: Record<string, string> | undefined) => Object.fromEntries(Object.entries(env ?? {}).sort(([a], [b]) => a.localeCompare(b)));

  same('postgres image', s.postgres?.image, clusterImages.postgres);
  same('temporal image', s.temporal?.image, clusterImages.temporalServer);
  same('temporal environment', sorted(s.temporal?.environment), sorted(temporalServerEnvironment(composeEndpoints, inContainers.dynamicConfig, inContainers.prometheus)));
  same('temporal-admin-tools image', s['temporal-admin-tools']?.image, clusterImages.temporalAdminTools);
  same('temporal-admin-tools environment', sorted(s['temporal-admin-tools']?.environment), sorted(temporalSchemaEnvironment(composeEndpoints, inContainers.schemaDir)));
  same('temporal-admin-tools command', s['temporal-admin-tools']?.command, [`/${temporalSchemaScript}`]);
  same('temporal-create-namespace image', s['temporal-create-namespace']?.image, clusterImages.temporalAdminTools);
  same('temporal-create-namespace environment', sorted(s['temporal-create-namespace']?.environment), sorted(temporalNamespaceEnvironment(composeEndpoints)));
  same('temporal-create-namespace command', s['temporal-create-namespace']?.command, [`/${temporalNamespaceScript}`]);
  same('temporal-ui image', s['temporal-ui']?.image, clusterImages.temporalUi);
  same('temporal-ui environment', sorted(s['temporal-ui']?.environment), sorted(temporalUiEnvironment(composeEndpoints, containerPorts.temporalUi)));
  for (const node of composeNatsNodes) {
    same(`${node.name} image`, s[node.name]?.image, clusterImages.nats);
    same(`${node.name} command`, s[node.name]?.command, natsNodeArgs(node, composeNatsNodes, '0.0.0.0'));
  }
  same('migrate command', s.migrate?.command, ['npm', 'run', migrateJob.script]);
  same('migrate environment', sorted(s.migrate?.environment), sorted(migrateJob.environment(composeEndpoints)));
  for (const part of appParts) {
    const service = s[part.name];
    same(`${part.name} command`, service?.command, ['npm', 'run', part.script]);
    same(`${part.name} replicas`, service?.deploy?.replicas, part.replicas);
    same(`${part.name} environment`, sorted(service?.environment), sorted(part.environment(composeEndpoints, containerPorts[part.port], composeKeys)));
  }
  return problems;
}

/**
 * Every way docker-compose.yml departs from what `npm run cluster` ran (its manifest, written from the running
 * processes): versions, scripts, replicas, and the names of every setting. Values differ only where containers and
 * one machine must (hosts, ports, paths); the Temporal server's placement settings exist only on one machine.
 */
export function composeDifferencesFromRun(compose: Compose, ran: ClusterManifest): string[] {
  const problems: string[] = [];
  const s = compose.services;
  const tag = (service: string) => s[service]?.image?.split(':')[1];
  const names = (env: Record<string, string> | undefined) => Object.keys(env ?? {}).sort();
  const same = (what: string, actual: unknown, expected: unknown) => {
    if (JSON.stringify(actual) !== JSON.stringify(expected)) problems.push(`${what}: compose ${JSON.stringify(actual)}, ran ${JSON.stringify(expected)}`);
  };

  same('PostgreSQL major version', tag('postgres'), ran.versions.postgres.split('.')[0]);
  same('Temporal server version', tag('temporal'), ran.versions.temporalServer);
  same('admin-tools version', tag('temporal-admin-tools'), ran.versions.temporalServer);
  if (ran.versions.temporalUi) same('Temporal UI version', tag('temporal-ui'), ran.versions.temporalUi);
  same('NATS version', tag('nats-1'), ran.versions.nats);
  const placement = new Set<string>(temporalPlacementSettings);
  same('Temporal server settings', names(s.temporal?.environment), ran.temporalServerEnvironment.filter((n) => !placement.has(n) || n in (s.temporal?.environment ?? {})).sort());
  same('schema job settings', names(s['temporal-admin-tools']?.environment), [...ran.temporalSchemaEnvironment].sort());
  same('namespace job settings', names(s['temporal-create-namespace']?.environment), [...ran.temporalNamespaceEnvironment].sort());
  if (ran.temporalUiEnvironment) same('Temporal UI settings', names(s['temporal-ui']?.environment), [...ran.temporalUiEnvironment].sort());
  const flags = (args: string[] | undefined) => (args ?? []).filter((a) => a.startsWith('--'));
  same('NATS nodes', Object.keys(s).filter((name) => s[name]?.image === clusterImages.nats), ran.natsNodes.map((n) => n.name));
  for (const node of ran.natsNodes) same(`${node.name} flags`, flags(s[node.name]?.command), flags(node.args));
  for (const part of ran.parts) {
    same(`${part.name} script`, s[part.name]?.command?.[2], part.script);
    same(`${part.name} replicas`, s[part.name]?.deploy?.replicas, part.replicas);
    same(`${part.name} settings`, names(s[part.name]?.environment), [...part.environment].sort());
  }
  return problems;
}

/** The manifest `npm run cluster` writes, as the description predicts it (versions from clusterVersions). */
export function plannedManifest(): ClusterManifest {
  const local: ClusterEndpoints = { ...composeEndpoints, postgres: { ...composeEndpoints.postgres, host: '127.0.0.1' } };
  const nodes = composeNatsNodes.map((n) => ({ ...n, host: '127.0.0.1' }));
  return {
    versions: { postgres: `${clusterVersions.postgres}.0`, temporalServer: clusterVersions.temporalServer, temporalUi: clusterVersions.temporalUi, nats: clusterVersions.nats },
    temporalServerEnvironment: [...new Set([...Object.keys(temporalServerEnvironment(local, 'x', 'x')), ...temporalPlacementSettings])],
    temporalSchemaEnvironment: Object.keys(temporalSchemaEnvironment(local, path.join('x'))),
    temporalNamespaceEnvironment: Object.keys(temporalNamespaceEnvironment(local)),
    temporalUiEnvironment: Object.keys(temporalUiEnvironment(local, 1)),
    natsNodes: nodes.map((node) => ({ name: node.name, args: natsNodeArgs(node, nodes, '127.0.0.1') })),
    parts: appParts.map((part) => ({ name: part.name, script: part.script, replicas: part.replicas, environment: Object.keys(part.environment(local, 1, composeKeys)) })),
  };
}
