import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type JsMsg, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { isNatsReachable } from '../../src/nats/connection.ts';
import { type NatsTopology, natsTopology } from '../../src/nats/topology.ts';
import { freePort } from '../../src/temporal/dev-server.ts';
import type { CloudEvent } from '../../src/outbox/cloud-event.ts';

/** The NATS server shared by everyone on this machine (.ci/run starts it). Tests use subjects and streams of their own. */
export const sharedNatsUrl = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';

/** Streams and subjects no one else uses, e.g. `t_3fa9c1`: removed with removeTopology. */
export function uniqueTopology(): NatsTopology {
  return natsTopology(`t_${randomBytes(4).toString('hex')}`);
}

/** Deletes this topology's streams (only ours: their names carry the unique root). */
export async function removeTopology(url: string, topology: NatsTopology) {
  const nc = await connect({ servers: url, timeout: 2_000, reconnect: false }).catch(() => undefined);
  if (!nc) return;
  const jsm = await jetstreamManager(nc);
  for (const stream of [topology.eventsStream, topology.deadLetterStream]) await jsm.streams.delete(stream).catch(() => {});
  await nc.close();
}

export interface StoredMessage {
  seq: number;
  subject: string;
  headers: Record<string, string>;
  /** The CloudEvent, or for a body that is not JSON (dead letters can be anything) a stand-in with no fields. */
  event: CloudEvent;
  body: string;
}

/** Every message of a stream, in stream order (an ordered consumer; the stream is left as it was). */
export async function readStream(nc: NatsConnection, stream: string): Promise<StoredMessage[]> {
  const jsm = await jetstreamManager(nc);
  const { state } = await jsm.streams.info(stream);
  if (state.messages === 0) return [];
  const consumer = await jetstream(nc).consumers.get(stream);
  const messages: StoredMessage[] = [];
  const iterator = await consumer.consume();
  for await (const message of iterator) {
    messages.push(stored(message));
    if (message.seq >= state.last_seq) break;
  }
  await iterator.close();
  return messages;
}

function stored(message: JsMsg): StoredMessage {
  const headers: Record<string, string> = {};
  for (const key of message.headers?.keys() ?? []) headers[key] = message.headers?.get(key) ?? '';
  const body = message.string();
  let event = {} as CloudEvent;
  try {
    event = JSON.parse(body) as CloudEvent;
  } catch {
    // kept as body only
  }
  return { seq: message.seq, subject: message.subject, headers, event, body };
}

/**
 * A NATS server of the test's own (own port, own JetStream store), so it can be stopped and restarted without
 * touching the shared one. The binary: NATS_SERVER_BIN, else /usr/sbin/nats-server.
 */
export async function startOwnNatsServer() {
  const port = await freePort();
  const storeDir = await mkdtemp(path.join(os.tmpdir(), 'tripsaga-nats-'));
  const binary = process.env.NATS_SERVER_BIN ?? '/usr/sbin/nats-server';
  const url = `nats://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;

  async function start() {
    child = spawn(binary, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir], { stdio: 'ignore' });
    const deadline = Date.now() + 15_000;
    while (!(await isNatsReachable(url, 500))) {
      if (child.exitCode !== null) throw new Error(`nats-server exited with ${child.exitCode}`);
      if (Date.now() > deadline) throw new Error(`nats-server on ${port} did not start`);
      await sleep(100);
    }
  }

  async function stop(signal: NodeJS.Signals = 'SIGTERM') {
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill(signal);
    await exited;
  }

  await start();
  return {
    url,
    start,
    stop,
    async remove() {
      await stop('SIGKILL');
      await rm(storeDir, { recursive: true, force: true });
    },
  };
}
