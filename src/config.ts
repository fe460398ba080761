import os from 'node:os';
import path from 'node:path';
import type { ApiLimits, HttpSettings } from './api/http-settings.ts';
import { type AuthSettings, defaultAuthSettings } from './auth/auth-settings.ts';
import { msToNumber } from '@temporalio/common/lib/time';
import { pruneAfterMs } from './retention/prune.ts';
import { defaultTracingUiUrl, type TracingSettings } from './tracing/tracing-settings.ts';
import { defaultWalletSettings, type WalletSettings } from './wallet/wallet-settings.ts';

/** Everything the processes read from the environment, read in one place. */
export interface AppConfig {
  /** A PostgreSQL URL. Absent: `npm start` uses the embedded PostgreSQL (PGlite) under `dataDir`. */
  databaseUrl?: string;
  /** host:port of a Temporal frontend. Absent: `npm start` launches the Temporal dev server itself. */
  temporalAddress?: string;
  temporalNamespace: string;
  taskQueue: string;
  port: number;
  dataDir: string;
  /** Base URL of the Temporal Web UI, for the links the API returns. Absent: the dev server's UI, else the default. */
  temporalUiUrl?: string;
  migrateOnStart: boolean;
  /** How long a confirmed trip stays cancellable through its saga (a Temporal duration, e.g. '7 days'). */
  cancellationWindow: string;
  /**
   * A NATS server with JetStream, or several comma-separated (the nodes of a cluster: the client picks one and fails
   * over to the others). Absent: `npm start` runs a nats-server of its own (store under `dataDir`), and
   * `npm run relay` / `npm run consumers` use `defaultNatsUrl`.
   */
  natsUrl?: string;
  /** Copies JetStream keeps of each stream the app creates: 1 on a single server, 3 on a three-node cluster. */
  natsStreamReplicas: number;
  /**
   * NATS_STREAM_MAX_AGE (default 7d; `off`: no limit): how long the events stream keeps an event, consumed or not. A
   * consumer that is down longer than this misses what aged out; the prune job forgets a settled booking once its
   * events are this old (docs/operating-the-pipeline.md#retention).
   */
  natsStreamMaxAgeMs?: number;
  /** First token of every subject and stream name, so deployments (and test runs) can share a NATS server. */
  natsSubjectRoot: string;
  /** `npm run relay` / `npm run consumers`: serve GET /metrics on this port (unset: no metrics endpoint). */
  metricsPort?: number;
  /** Where consumers call the API back (status-updates); several comma-separated are tried in turn. Unset: `npm start` uses its own port; `npm run consumers` skips that consumer. */
  apiBaseUrl?: string;
  /** `npm start` without TEMPORAL_ADDRESS: the ports of its Temporal dev server and Web UI. */
  temporalDevPort: number;
  temporalUiPort: number;
  /** The traveler's wallet: WALLET_OPENING_CREDIT (minor units of EUR) and WALLET_SNAPSHOT_EVERY (events). */
  wallet: WalletSettings;
  /** Who may call the API and how their tokens are checked (see docs/security.md). */
  auth: AuthSettings;
  /** A bearer token the consumers send when they call the API back (status-updates). Unset: `npm start` mints one. */
  apiToken?: string;
  /** `open`: GET /metrics answers anyone (a scraper on a private network); `operator`: it needs an operator token. */
  metricsAccess: 'open' | 'operator';
  /** Shared rate-limit counters across API processes. Unset: each process counts in memory. */
  redisUrl?: string;
  /** First part of every key this app writes in Redis, so deployments (and test runs) can share one server. */
  redisKeyPrefix: string;
  limits: ApiLimits;
  http: HttpSettings;
  /** Origins allowed to call the API from a browser. Empty (the default): no CORS headers, browsers refuse. */
  corsOrigins: string[];
  /** Express's `trust proxy`: set it when a proxy in front sets X-Forwarded-For, so limits count the real client. */
  trustProxy: boolean | number | string;
  logLevel: string;
  /**
   * Retention in the relay and consumers processes: PRUNE_AFTER (default 7d; `off`: none) and PRUNE_EVERY (default
   * 1m); BOOKING_CANCELLATION_WINDOW in ms, for when a confirmed booking is settled (src/retention/prune.ts).
   */
  retention: { pruneAfterMs?: number; pruneEveryMs: number; cancellationWindowMs: number };
  /**
   * The choreographed trip's services (src/choreography) in the consumers of `npm start` and `npm run consumers`:
   * CHOREOGRAPHY_SERVICES (on | off), and CHOREOGRAPHY_STEP_DEADLINE, after which the overseer reports a trip stuck.
   */
  choreography: { services: boolean; stepDeadlineMs: number };
  /** OpenTelemetry: OTEL_EXPORTER_OTLP_ENDPOINT (unset: tracing off), OTEL_SERVICE_NAME, TRACING_UI_URL (docs/tracing.md). */
  tracing: TracingSettings;
}

/** Where `npm run relay` and `npm run consumers` look for NATS when NATS_URL is not set. */
export const defaultNatsUrl = 'nats://127.0.0.1:4222';

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  return {
    databaseUrl: nonEmpty(env.DATABASE_URL),
    temporalAddress: nonEmpty(env.TEMPORAL_ADDRESS),
    temporalNamespace: nonEmpty(env.TEMPORAL_NAMESPACE) ?? 'default',
    taskQueue: nonEmpty(env.TEMPORAL_TASK_QUEUE) ?? 'tripsaga-bookings',
    port: port(env.PORT, 3000),
    dataDir: path.resolve(nonEmpty(env.TRIPSAGA_DATA_DIR) ?? '.data'),
    temporalUiUrl: nonEmpty(env.TEMPORAL_UI_URL)?.replace(/\/$/, ''),
    migrateOnStart: env.MIGRATE_ON_START !== 'false',
    cancellationWindow: nonEmpty(env.BOOKING_CANCELLATION_WINDOW) ?? '7 days',
    natsUrl: nonEmpty(env.NATS_URL),
    natsSubjectRoot: subjectRoot(env.NATS_SUBJECT_ROOT),
    natsStreamReplicas: streamReplicas(env.NATS_STREAM_REPLICAS),
    natsStreamMaxAgeMs: pruneAfterMs(env.NATS_STREAM_MAX_AGE, 'NATS_STREAM_MAX_AGE', '7d'),
    metricsPort: env.METRICS_PORT ? port(env.METRICS_PORT, 0, 'METRICS_PORT') : undefined,
    apiBaseUrl: apiBaseUrl(env.API_BASE_URL),
    temporalDevPort: port(env.TEMPORAL_DEV_PORT, 7233, 'TEMPORAL_DEV_PORT'),
    temporalUiPort: port(env.TEMPORAL_UI_PORT, 8233, 'TEMPORAL_UI_PORT'),
    wallet: {
      openingCredit: { amount: wholeNumber(env.WALLET_OPENING_CREDIT, defaultWalletSettings.openingCredit.amount, 'WALLET_OPENING_CREDIT', 0), currency: 'EUR' },
      snapshotEvery: wholeNumber(env.WALLET_SNAPSHOT_EVERY, defaultWalletSettings.snapshotEvery, 'WALLET_SNAPSHOT_EVERY', 1),
    },
    auth: {
      jwksUrl: httpUrl(env.AUTH_JWKS_URL, 'AUTH_JWKS_URL'),
      publicKey: nonEmpty(env.AUTH_PUBLIC_KEY),
      issuer: nonEmpty(env.AUTH_ISSUER) ?? defaultAuthSettings.issuer,
      audience: nonEmpty(env.AUTH_AUDIENCE) ?? defaultAuthSettings.audience,
      algorithms: list(env.AUTH_ALGORITHMS) ?? defaultAuthSettings.algorithms,
      roleClaim: nonEmpty(env.AUTH_ROLE_CLAIM) ?? defaultAuthSettings.roleClaim,
      emailClaim: nonEmpty(env.AUTH_EMAIL_CLAIM) ?? defaultAuthSettings.emailClaim,
      tokenLifetime: nonEmpty(env.AUTH_TOKEN_LIFETIME) ?? defaultAuthSettings.tokenLifetime,
    },
    apiToken: nonEmpty(env.API_TOKEN),
    metricsAccess: oneOf(env.METRICS_ACCESS, 'METRICS_ACCESS', ['open', 'operator'] as const) ?? 'open',
    redisUrl: nonEmpty(env.REDIS_URL),
    redisKeyPrefix: nonEmpty(env.REDIS_KEY_PREFIX) ?? 'tripsaga:',
    limits: {
      writesPerWindow: wholeNumber(env.RATE_LIMIT_WRITES, 120, 'RATE_LIMIT_WRITES', 0),
      windowSeconds: wholeNumber(env.RATE_LIMIT_WINDOW_SECONDS, 60, 'RATE_LIMIT_WINDOW_SECONDS', 0) || 60,
      runningSagasPerTraveler: wholeNumber(env.MAX_RUNNING_SAGAS_PER_TRAVELER, 5, 'MAX_RUNNING_SAGAS_PER_TRAVELER', 0),
    },
    http: {
      headersTimeoutMs: wholeNumber(env.HTTP_HEADERS_TIMEOUT_MS, 10_000, 'HTTP_HEADERS_TIMEOUT_MS', 0) || 10_000,
      requestTimeoutMs: wholeNumber(env.HTTP_REQUEST_TIMEOUT_MS, 30_000, 'HTTP_REQUEST_TIMEOUT_MS', 0) || 30_000,
    },
    corsOrigins: list(env.CORS_ORIGINS) ?? [],
    trustProxy: trustProxy(env.TRUST_PROXY),
    choreography: {
      services: (oneOf(env.CHOREOGRAPHY_SERVICES, 'CHOREOGRAPHY_SERVICES', ['on', 'off'] as const) ?? 'on') === 'on',
      stepDeadlineMs: pruneAfterMs(env.CHOREOGRAPHY_STEP_DEADLINE, 'CHOREOGRAPHY_STEP_DEADLINE', '30s') ?? 30_000,
    },
    retention: retention(env),
    tracing: {
      otlpEndpoint: httpUrl(env.OTEL_EXPORTER_OTLP_ENDPOINT, 'OTEL_EXPORTER_OTLP_ENDPOINT'),
      serviceName: nonEmpty(env.OTEL_SERVICE_NAME),
      uiUrl: httpUrl(env.TRACING_UI_URL, 'TRACING_UI_URL')?.replace(/\/$/, '') ?? defaultTracingUiUrl,
      jaegerUiAssets: nonEmpty(env.JAEGER_UI_ASSETS) === undefined ? undefined : path.resolve(env.JAEGER_UI_ASSETS!.trim()),
    },
    logLevel: oneOf(env.LOG_LEVEL, 'LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const) ?? 'info',
  };
}

/** The settings of `npm run cluster` (src/entrypoints/cluster.ts): tooling, not the app's own. */
export interface ClusterSettings {
  /** CLUSTER_DATA_DIR: PostgreSQL's data, the NATS stores and the logs; kept between runs. */
  dataDir: string;
  /** CLUSTER_PORTS=free: ports the OS picks; otherwise fixed ones from CLUSTER_PORT_BASE and CLUSTER_APP_PORT_BASE. */
  ports: { kind: 'free' } | { kind: 'fixed'; base: number; appBase: number };
  /** POSTGRES_BIN_DIR: where initdb and postgres are; absent: the newest Debian install. */
  postgresBinDir?: string;
}

export function loadClusterSettings(env: NodeJS.ProcessEnv = process.env): ClusterSettings {
  const ports = oneOf(env.CLUSTER_PORTS, 'CLUSTER_PORTS', ['free', 'fixed'] as const) ?? 'fixed';
  return {
    dataDir: path.resolve(nonEmpty(env.CLUSTER_DATA_DIR) ?? path.join(os.tmpdir(), 'tripsaga-cluster')),
    ports:
      ports === 'free'
        ? { kind: 'free' }
        : { kind: 'fixed', base: port(env.CLUSTER_PORT_BASE, 17300, 'CLUSTER_PORT_BASE'), appBase: port(env.CLUSTER_APP_PORT_BASE, 3300, 'CLUSTER_APP_PORT_BASE') },
    postgresBinDir: nonEmpty(env.POSTGRES_BIN_DIR),
  };
}

/** Where the Temporal dev server and `temporal server start-dev` serve their Web UI unless told otherwise. */
export const defaultTemporalUiUrl = 'http://localhost:8233';

export function requireSetting<T>(value: T | undefined, name: string, why: string): T {
  if (value === undefined) throw new Error(`${name} is not set: ${why}`);
  return value;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value && value.trim() !== '' ? value.trim() : undefined;
}

function port(value: string | undefined, fallback: number, name = 'PORT'): number {
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > 65535) throw new Error(`${name} must be 0-65535, got "${value}"`);
  return parsed;
}

function wholeNumber(value: string | undefined, fallback: number, name: string, minimum: number): number {
  const text = nonEmpty(value);
  if (text === undefined) return fallback;
  if (!/^[0-9]+$/.test(text) || !Number.isSafeInteger(Number(text)) || Number(text) < minimum) {
    throw new Error(`${name} must be a whole number, at least ${minimum}, got "${text}"`);
  }
  return Number(text);
}

function list(value: string | undefined): string[] | undefined {
  const items = nonEmpty(value)?.split(',').map((item) => item.trim()).filter(Boolean);
  return items && items.length > 0 ? items : undefined;
}

function oneOf<const T extends readonly string[]>(value: string | undefined, name: string, allowed: T): T[number] | undefined {
  const setting = nonEmpty(value);
  if (setting === undefined) return undefined;
  if (!allowed.includes(setting)) throw new Error(`${name} must be one of ${allowed.join(', ')}, got "${setting}"`);
  return setting;
}

function httpUrl(value: string | undefined, name: string): string | undefined {
  const url = nonEmpty(value);
  if (url !== undefined && !/^https?:\/\/[^/\s]+/.test(url)) throw new Error(`${name} must be an http(s) URL, got "${url}"`);
  return url;
}

// Express's own forms: true/false, a number of hops, or a list of addresses and subnets.
function trustProxy(value: string | undefined): boolean | number | string {
  const setting = nonEmpty(value);
  if (setting === undefined || setting === 'false') return false;
  if (setting === 'true') return true;
  return /^\d+$/.test(setting) ? Number(setting) : setting;
}

// One URL, or several comma-separated (API replicas without a load balancer in front).
function apiBaseUrl(value: string | undefined): string | undefined {
  const setting = nonEmpty(value);
  if (setting === undefined) return undefined;
  const urls = setting.split(',').map((url) => url.trim().replace(/\/$/, ''));
  for (const url of urls) if (!/^https?:\/\/[^/\s]+/.test(url)) throw new Error(`API_BASE_URL must be http(s) URLs, comma-separated, got "${setting}"`);
  return urls.join(',');
}

function retention(env: NodeJS.ProcessEnv): AppConfig['retention'] {
  return {
    pruneAfterMs: pruneAfterMs(env.PRUNE_AFTER),
    pruneEveryMs: pruneAfterMs(env.PRUNE_EVERY, 'PRUNE_EVERY', '1m') ?? 60_000,
    // The same parser the saga's timer applies to the window.
    cancellationWindowMs: msToNumber((nonEmpty(env.BOOKING_CANCELLATION_WINDOW) ?? '7 days') as Parameters<typeof msToNumber>[0]),
  };
}

// JetStream accepts 1 to 5 replicas, and no more than the cluster has nodes (it says so when a stream is created).
function streamReplicas(value: string | undefined): number {
  const setting = nonEmpty(value);
  if (setting === undefined) return 1;
  const replicas = Number(setting);
  if (!Number.isInteger(replicas) || replicas < 1 || replicas > 5) throw new Error(`NATS_STREAM_REPLICAS must be 1-5, got "${setting}"`);
  return replicas;
}

// It becomes a subject token and part of stream names: letters, digits, _ and - only.
function subjectRoot(value: string | undefined): string {
  const root = nonEmpty(value) ?? 'tripsaga';
  if (!/^[A-Za-z0-9_-]+$/.test(root)) throw new Error(`NATS_SUBJECT_ROOT must be letters, digits, _ or -, got "${root}"`);
  return root;
}

export type { ApiLimits, AuthSettings, HttpSettings };
