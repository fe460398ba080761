import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type JsMsg, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { ensureNatsServer, type NatsServer, startNatsServer } from '../../src/transport/jetstream/nats-server.ts';
import { type NatsTopology, natsTopology } from '../../src/transport/jetstream/topology.ts';
import { freePort } from '../../src/lib/free-port.ts';
import type { CloudEvent } from '../../src/events/cloud-event.ts';

/** The NATS server shared by everyone on this machine (.ci/run starts it). Tests use subjects and streams of their own. */
export const sharedNatsUrl = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';

/** Streams and subjects no one else uses, e.g. `t_3fa9c1`: removed with removeTopology. The events stream keeps events for `maxAgeMs` (default: for ever). */
export function uniqueTopology(maxAgeMs = 0): NatsTopology {
  return natsTopology(`t_${randomBytes(4).toString('hex')}`, 1, maxAgeMs);
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
  event: CloudEvent & { bookingsequence: number };
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
  let event = {} as StoredMessage['event'];
  try {
    event = JSON.parse(body) as StoredMessage['event'];
  } catch {
    // kept as body only
  }
  return { seq: message.seq, subject: message.subject, headers, event, body };
}

/**
 * A NATS server of the test's own (own port, own JetStream store), started the way `npm start` starts one, so it can
 * be stopped and restarted without touching the shared one. The binary: NATS_SERVER_BIN, else one on PATH
 * (/usr/sbin/nats-server here), else the cached build.
 */
export async function startOwnNatsServer() {
  const port = await freePort();
  const storeDir = await mkdtemp(path.join(os.tmpdir(), 'tripsaga-nats-'));
  const binary = await ensureNatsServer({ log: (line) => console.log(`[nats] ${line}`) });
  let server: NatsServer | undefined;

  async function start() {
    server = await startNatsServer({ binary, storeDir, port });
  }

  async function stop(signal: NodeJS.Signals = 'SIGTERM') {
    await server?.stop(signal);
  }

  await start();
  return {
    url: `nats://127.0.0.1:${port}`,
    storeDir,
    start,
    stop,
    async remove() {
      await stop('SIGKILL');
      await rm(storeDir, { recursive: true, force: true });
    },
  };
}
