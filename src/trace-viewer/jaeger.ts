import { spawn } from 'node:child_process';
import { constants, createWriteStream } from 'node:fs';
import { access, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ensureGoBinary, type GoBinary, goBinaryCacheDir } from '../lib/go-binary.ts';
import { terminate } from '../lib/server-process.ts';

export const jaegerVersion = '1.76.0';

/**
 * Jaeger v2 (`cmd/jaeger`, an OpenTelemetry Collector build with Jaeger's storage and query extensions): an OTLP
 * receiver, an in-memory trace store and the query service with its UI, in one process. Its module has a replace
 * directive, so `go install pkg@version` refuses it: it is built as a tool of a module of our own (go-binary.ts).
 */
const jaegerBinary: GoBinary = {
  name: 'jaeger',
  title: `Jaeger v${jaegerVersion}`,
  module: `github.com/jaegertracing/jaeger/cmd/jaeger@v${jaegerVersion}`,
  cacheName: `jaeger-${jaegerVersion}`,
  envVar: 'JAEGER_BIN',
  goHint: 'Go >= 1.25',
  asTool: true,
};

type Log = (line: string) => void;

export function ensureJaeger(options: { log?: Log; env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  return ensureGoBinary(jaegerBinary, options);
}

/** JAEGER_BIN, else the cached build; undefined when Jaeger has not been built on this machine (nothing is built). */
export async function builtJaeger(env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  const candidate = env[jaegerBinary.envVar] ?? path.join(goBinaryCacheDir(jaegerBinary, env), jaegerBinary.name);
  return access(candidate, constants.X_OK).then(() => candidate, () => undefined);
}

export interface JaegerPorts {
  /** OTLP/HTTP: the processes' OTEL_EXPORTER_OTLP_ENDPOINT. */
  otlpHttp: number;
  /** The query service: the UI and its HTTP API (/api/traces/:id). */
  ui: number;
  /** The query service's gRPC API (unused by us; Jaeger always opens it). */
  queryGrpc: number;
  /** healthcheckv2: answers 200 once every component is up. */
  health: number;
}

export const defaultJaegerPorts: JaegerPorts = { otlpHttp: 4318, ui: 16686, queryGrpc: 16685, health: 13133 };

/**
 * Only what we use: OTLP/HTTP in, memory storage, the query service; each on loopback (a trace holds bookings'
 * ids). `uiAssets`: a built Jaeger UI to serve instead of the one compiled in (a build from the module proxy has
 * only a placeholder page: the UI's assets are made by the release build and are not in the module).
 */
export function jaegerConfig(ports: JaegerPorts, uiAssets?: string): string {
  return `service:
  extensions: [jaeger_storage, jaeger_query, healthcheckv2]
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [jaeger_storage_exporter]
  telemetry:
    metrics:
      level: none
    traces:
      level: none
    logs:
      level: warn
extensions:
  healthcheckv2:
    use_v2: true
    http:
      endpoint: 127.0.0.1:${ports.health}
  jaeger_storage:
    backends:
      memory_store:
        memory:
          max_traces: 100000
  jaeger_query:
    storage:
      traces: memory_store
    http:
      endpoint: 127.0.0.1:${ports.ui}
    grpc:
      endpoint: 127.0.0.1:${ports.queryGrpc}
${uiAssets ? `    ui:\n      assets_path: ${JSON.stringify(uiAssets)}\n` : ''}receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:${ports.otlpHttp}
processors:
  batch:
    timeout: 200ms
exporters:
  jaeger_storage_exporter:
    trace_storage: memory_store
`;
}

export interface RunningJaeger {
  otlpEndpoint: string;
  uiUrl: string;
  pid?: number;
  stop(): Promise<void>;
}

/** Starts Jaeger with traces in memory, its config and log under `dir`, and resolves once its health check answers. */
export async function startJaeger(options: { binary: string; dir: string; ports?: Partial<JaegerPorts>; uiAssets?: string; log?: Log }): Promise<RunningJaeger> {
  const ports = { ...defaultJaegerPorts, ...options.ports };
  const log = options.log ?? (() => {});
  await mkdir(options.dir, { recursive: true });
  const configPath = path.join(options.dir, 'jaeger.yaml');
  await writeFile(configPath, jaegerConfig(ports, options.uiAssets));
  const logPath = path.join(options.dir, 'jaeger.log');
  const output = createWriteStream(logPath, { flags: 'a' });
  const child = spawn(options.binary, ['--config', configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(output);
  child.stderr.pipe(output);
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const healthUrl = `http://127.0.0.1:${ports.health}/status`;
  for (let attempt = 0; ; attempt += 1) {
    const ok = await fetch(healthUrl, { signal: AbortSignal.timeout(1_000) }).then((r) => r.ok, () => false);
    if (ok) break;
    const code = await Promise.race([exited, sleep(250).then(() => 'running' as const)]);
    if (code !== 'running') throw new Error(`Jaeger exited (code ${code}) before it was ready; see ${logPath}`);
    if (attempt > 0 && attempt % 40 === 0) log(`  ... waiting for Jaeger to answer on ${healthUrl}`);
    if (attempt > 240) {
      await terminate(child);
      throw new Error(`Jaeger did not answer on ${healthUrl} within a minute; see ${logPath}`);
    }
  }
  return {
    otlpEndpoint: `http://127.0.0.1:${ports.otlpHttp}`,
    uiUrl: `http://127.0.0.1:${ports.ui}`,
    pid: child.pid,
    stop: async () => {
      await terminate(child);
      output.end();
    },
  };
}
