import { Client, Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { NativeConnection } from '@temporalio/worker';
import { tracingClientInterceptors } from '../tracing/temporal-tracing.ts';

/**
 * Connection settings come from one place: Temporal's own environment configuration (TEMPORAL_ADDRESS,
 * TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TLS settings, or a profile file), with an explicit address taking precedence
 * (the dev server `npm start` launched).
 */
function connectConfig(address?: string) {
  const { connectionOptions, namespace } = loadClientConnectConfig();
  return { connectionOptions: { ...connectionOptions, ...(address ? { address } : {}) }, namespace: namespace ?? 'default' };
}

/**
 * `dataConverter` is required: a client without the payload codec would write personal data in clear text. The
 * tracing interceptor puts the caller's trace context in the headers of each workflow it starts or signals.
 */
export async function connectClient(address: string | undefined, dataConverter: DataConverter): Promise<Client> {
  const { connectionOptions, namespace } = connectConfig(address);
  const connection = await Connection.connect(connectionOptions);
  return new Client({ connection, namespace, dataConverter, interceptors: tracingClientInterceptors() });
}

export async function connectWorkerConnection(address?: string) {
  const { connectionOptions, namespace } = connectConfig(address);
  return { connection: await NativeConnection.connect(connectionOptions), namespace };
}
