import { devServerSearchAttributes } from '../temporal/search-attributes.ts';
import { temporalServerVersion, temporalUiServerVersion } from '../temporal/server-binaries.ts';

/**
 * The production topology, described once: `npm run cluster` starts it on one machine, docker-compose.yml declares it
 * for Docker, and a test holds the two to this description. What differs between them is only where things are
 * (host names and ports: one machine needs a port per process, containers each have their own); the parts, their
 * replicas, versions, commands and the names of every setting are the same.
 */

/** The versions both run. PostgreSQL and nats-server are Debian's packages here and the images of those releases there. */
export const clusterVersions = {
  postgres: '15',
  temporalServer: temporalServerVersion,
  temporalUi: temporalUiServerVersion,
  nats: '2.9.10',
} as const;

export const clusterImages = {
  postgres: `postgres:${clusterVersions.postgres}`,
  temporalServer: `temporalio/server:${clusterVersions.temporalServer}`,
  temporalAdminTools: `temporalio/admin-tools:${clusterVersions.temporalServer}`,
  temporalUi: `temporalio/ui:${clusterVersions.temporalUi}`,
  nats: `nats:${clusterVersions.nats}`,
} as const;

/** Where each dependency answers, as the app parts and the servers are told. */
export interface ClusterEndpoints {
  postgres: { host: string; port: number; user: string; password: string; database: string };
  temporal: { host: string; port: number };
  temporalUiUrl: string;
  /** One client URL per NATS node. */
  nats: string[];
  /** Where the consumers call the API back (status-updates). */
  apiBaseUrl: string;
}

export const temporalNamespace = 'default';
export const temporalDatabases = { persistence: 'temporal', visibility: 'temporal_visibility' } as const;
export const natsNodeCount = 3;
/** The events stream keeps a copy on every node: losing one node loses nothing and stops nothing. */
export const natsStreamReplicas = 3;
export const natsClusterName = 'tripsaga';

export type AppPartName = 'worker' | 'api' | 'relay' | 'consumers';

/**
 * The data-protection keys (docs/security.md): the payload codec's key ring and the traveler pseudonym key, the same in
 * every worker and API; the codec endpoint's operator token for the APIs. And who may call the APIs: the public key
 * they verify tokens against (a deployment's identity provider holds the private one), and the token the consumers
 * call the API back with.
 */
export type ProtectionSettings = Record<
  'TEMPORAL_CODEC_KEYS' | 'TEMPORAL_CODEC_ACTIVE_KEY' | 'TRAVELER_PSEUDONYM_KEY' | 'CODEC_OPERATOR_TOKEN' | 'AUTH_PUBLIC_KEY' | 'API_TOKEN',
  string
>;

export interface AppPart {
  name: AppPartName;
  /** The npm script that runs it; package.json maps it to the entry file (see entryFileOf). */
  script: string;
  replicas: number;
  /** What its one HTTP port serves: the API (with /metrics, /healthz, /readyz) or metrics and health alone. */
  port: 'api' | 'metrics';
  environment(endpoints: ClusterEndpoints, port: number, keys: ProtectionSettings): Record<string, string>;
}

function databaseUrl({ postgres }: ClusterEndpoints): string {
  const credentials = postgres.password ? `${postgres.user}:${postgres.password}` : postgres.user;
  return `postgresql://${credentials}@${postgres.host}:${postgres.port}/${postgres.database}`;
}

// The database is migrated once, by its own job, before any part starts: parts never migrate on their own.
const common = (endpoints: ClusterEndpoints) => ({ DATABASE_URL: databaseUrl(endpoints), MIGRATE_ON_START: 'false' });
const temporal = ({ temporal: t }: ClusterEndpoints) => ({ TEMPORAL_ADDRESS: `${t.host}:${t.port}`, TEMPORAL_NAMESPACE: temporalNamespace });
const codec = (keys: ProtectionSettings) => ({
  TEMPORAL_CODEC_KEYS: keys.TEMPORAL_CODEC_KEYS,
  TEMPORAL_CODEC_ACTIVE_KEY: keys.TEMPORAL_CODEC_ACTIVE_KEY,
  TRAVELER_PSEUDONYM_KEY: keys.TRAVELER_PSEUDONYM_KEY,
});
const nats = ({ nats: urls }: ClusterEndpoints) => ({ NATS_URL: urls.join(','), NATS_STREAM_REPLICAS: String(natsStreamReplicas) });

/** Every part twice: any one process can die and the service goes on. */
export const appParts: readonly AppPart[] = [
  {
    name: 'worker',
    script: 'worker',
    replicas: 2,
    port: 'metrics',
    environment: (e, port, keys) => ({ ...common(e), ...temporal(e), ...codec(keys), METRICS_PORT: String(port) }),
  },
  {
    name: 'api',
    script: 'api',
    replicas: 2,
    port: 'api',
    environment: (e, port, keys) => ({ ...common(e), ...temporal(e), TEMPORAL_UI_URL: e.temporalUiUrl, ...codec(keys), CODEC_OPERATOR_TOKEN: keys.CODEC_OPERATOR_TOKEN, AUTH_PUBLIC_KEY: keys.AUTH_PUBLIC_KEY, PORT: String(port) }),
  },
  {
    name: 'relay',
    script: 'relay',
    replicas: 2,
    port: 'metrics',
    environment: (e, port) => ({ ...common(e), ...nats(e), METRICS_PORT: String(port) }),
  },
  {
    name: 'consumers',
    script: 'consumers',
    replicas: 2,
    port: 'metrics',
    environment: (e, port, keys) => ({ ...common(e), ...nats(e), API_BASE_URL: e.apiBaseUrl, API_TOKEN: keys.API_TOKEN, METRICS_PORT: String(port) }),
  },
];

/** One-shot jobs, in order, before the parts start: the app's migrations, Temporal's schemas, its namespace. */
export const migrateJob = { script: 'db:migrate', environment: (e: ClusterEndpoints) => ({ DATABASE_URL: databaseUrl(e) }) };

/** `deploy/temporal/setup-postgres.sh`: temporal-sql-tool creates and migrates both databases (admin-tools has the tool). */
export const temporalSchemaScript = 'deploy/temporal/setup-postgres.sh';
export function temporalSchemaEnvironment({ postgres }: ClusterEndpoints, schemaDir: string): Record<string, string> {
  return {
    SQL_PLUGIN: 'postgres12',
    SQL_HOST: postgres.host,
    SQL_PORT: String(postgres.port),
    SQL_USER: postgres.user,
    SQL_PASSWORD: postgres.password,
    DBNAME: temporalDatabases.persistence,
    VISIBILITY_DBNAME: temporalDatabases.visibility,
    TEMPORAL_SCHEMA_DIR: schemaDir,
  };
}

/** `deploy/temporal/create-namespace.sh`: the namespace, with the Temporal CLI (admin-tools has it too). */
export const temporalNamespaceScript = 'deploy/temporal/create-namespace.sh';
export function temporalNamespaceEnvironment({ temporal: t }: ClusterEndpoints): Record<string, string> {
  const searchAttributes = Object.entries(devServerSearchAttributes()).map(([name, type]) => `${name}=${type}`);
  return { TEMPORAL_ADDRESS: `${t.host}:${t.port}`, TEMPORAL_NAMESPACE: temporalNamespace, TEMPORAL_SEARCH_ATTRIBUTES: searchAttributes.join(' ') };
}

/** Our dynamic configuration for the server, the same file in both. */
export const temporalDynamicConfigFile = 'deploy/temporal/dynamicconfig.yaml';

/**
 * The settings of the temporalio/server image's own configuration template (config/docker.yaml in the server module),
 * which `npm run cluster` renders too: frontend, history, matching and worker services in one process, 4 history
 * shards, PostgreSQL for persistence and (advanced, SQL-based) visibility.
 */
export function temporalServerEnvironment({ postgres }: ClusterEndpoints, dynamicConfigPath: string, prometheusEndpoint: string): Record<string, string> {
  return {
    DB: 'postgres12',
    DB_PORT: String(postgres.port),
    POSTGRES_PORT: String(postgres.port),
    POSTGRES_SEEDS: postgres.host,
    POSTGRES_USER: postgres.user,
    POSTGRES_PWD: postgres.password,
    DBNAME: temporalDatabases.persistence,
    VISIBILITY_DBNAME: temporalDatabases.visibility,
    NUM_HISTORY_SHARDS: '4',
    DYNAMIC_CONFIG_FILE_PATH: dynamicConfigPath,
    BIND_ON_IP: '0.0.0.0',
    PROMETHEUS_ENDPOINT: prometheusEndpoint,
  };
}

/** The temporalio/ui image's settings (the UI server's config/docker.yaml). */
export function temporalUiEnvironment({ temporal: t }: ClusterEndpoints, port: number): Record<string, string> {
  return { TEMPORAL_ADDRESS: `${t.host}:${t.port}`, TEMPORAL_UI_PORT: String(port), TEMPORAL_DEFAULT_NAMESPACE: temporalNamespace };
}

export interface NatsNode {
  name: string;
  host: string;
  clientPort: number;
  clusterPort: number;
  monitorPort: number;
  storeDir: string;
}

/** nats-server's arguments for one node: JetStream on, clustered with routes to the other two. */
export function natsNodeArgs(node: NatsNode, peers: readonly NatsNode[], listenOn: string): string[] {
  const routes = peers.filter((peer) => peer.name !== node.name).map((peer) => `nats://${peer.host}:${peer.clusterPort}`);
  return [
    '--server_name', node.name,
    '--addr', listenOn,
    '--port', String(node.clientPort),
    '--http_port', String(node.monitorPort),
    '--jetstream',
    '--store_dir', node.storeDir,
    '--cluster_name', natsClusterName,
    '--cluster', `nats://${listenOn}:${node.clusterPort}`,
    '--routes', routes.join(','),
  ];
}

export function natsNodeName(index: number): string {
  return `nats-${index + 1}`;
}
