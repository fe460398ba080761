import { setTimeout as sleep } from 'node:timers/promises';
import { connect, type NatsConnection } from '@nats-io/transport-node';

/**
 * Connects, retrying with backoff until NATS answers or the signal aborts (then resolves undefined). Once connected
 * the client reconnects by itself, forever: a broker outage is something to wait out, never a reason to exit.
 */
export async function connectNats(
  url: string,
  { name, signal, log = () => {} }: { name: string; signal?: AbortSignal; log?: (line: string) => void },
): Promise<NatsConnection | undefined> {
  for (let attempt = 0; !signal?.aborted; attempt += 1) {
    try {
      const nc = await connect({ servers: natsServers(url), name, maxReconnectAttempts: -1, reconnectTimeWait: 500, timeout: 2_000 });
      if (attempt > 0) log(`connected to NATS at ${url}`);
      watchConnection(nc, log);
      return nc;
    } catch (error) {
      if (attempt % 10 === 0) log(`NATS at ${url} unreachable (${(error as Error).message}); retrying`);
      await sleep(Math.min(250 * 2 ** attempt, 5_000), undefined, { signal }).catch(() => {});
    }
  }
  return undefined;
}

/** One quick attempt: does a NATS server answer at `url`? */
export async function isNatsReachable(url: string, timeoutMs = 2_000): Promise<boolean> {
  try {
    const nc = await connect({ servers: natsServers(url), timeout: timeoutMs, reconnect: false });
    await nc.close();
    return true;
  } catch {
    return false;
  }
}

/** `nats://a:4222,nats://b:4222`: the nodes of a cluster, in the one setting NATS_URL. */
export function natsServers(url: string): string[] {
  return url.split(',').map((server) => server.trim()).filter(Boolean);
}

function watchConnection(nc: NatsConnection, log: (line: string) => void) {
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === 'disconnect') log('NATS disconnected; reconnecting');
      if (status.type === 'reconnect') log('NATS reconnected');
    }
  })().catch(() => {});
}
