import path from 'node:path';

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
}

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

function port(value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > 65535) throw new Error(`PORT must be 0-65535, got "${value}"`);
  return parsed;
}
