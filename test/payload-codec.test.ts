import { randomBytes } from 'node:crypto';
import { Client } from '@temporalio/client';
import { defaultPayloadConverter, METADATA_ENCODING_KEY, type Payload, ValueError } from '@temporalio/common';
import proto from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { dataProtection } from '../src/data-protection/data-protection.ts';
import { EncryptionCodec, encryptedEncoding, keyIdMetadataKey } from '../src/data-protection/encryption-codec.ts';
import { parseCodecKeys } from '../src/data-protection/keys.ts';
import { replayHistories } from '../src/replay/replay-histories.ts';
import { getBookingStateQuery } from '../workflows/messages.ts';
import './support/quiet-temporal-logs.ts';
import { type Harness, startHarness } from './support/harness.ts';

const key = () => randomBytes(32).toString('base64');
const ring = (entries: Record<string, string>, active?: string) =>
  parseCodecKeys(Object.entries(entries).map(([id, k]) => `${id}=${k}`).join(','), active);
const payloadOf = (value: unknown) => defaultPayloadConverter.toPayload(value)!;
const valueOf = (payload: Payload) => defaultPayloadConverter.fromPayload(payload);
const encodingOf = (payload: Payload) => Buffer.from(payload.metadata?.[METADATA_ENCODING_KEY] ?? []).toString();

describe('the payload codec', () => {
  const k1 = key();
  const k2 = key();

  it('seals a payload whole (the original encoding too) and opens it again', async () => {
    const codec = new EncryptionCodec(ring({ k1 }));
    const [sealed] = await codec.encode([payloadOf({ traveler: 'Ada Lovelace <ada@example.com>' })]);
    expect(encodingOf(sealed!)).toBe(encryptedEncoding);
    expect(Buffer.from(sealed!.metadata![keyIdMetadataKey]!).toString()).toBe('k1');
    expect(Buffer.from(sealed!.data!).toString('latin1')).not.toMatch(/Ada|example|json/);
    const [opened] = await codec.decode([sealed!]);
    expect(valueOf(opened!)).toEqual({ traveler: 'Ada Lovelace <ada@example.com>' });
  });

  it('rotation: a new active key encrypts, the old one still decrypts what it sealed', async () => {
    const before = new EncryptionCodec(ring({ k1 }));
    const [old] = await before.encode([payloadOf('sealed under k1')]);
    const rotated = new EncryptionCodec(ring({ k2, k1 }, 'k2'));
    const [fresh] = await rotated.encode([payloadOf('sealed under k2')]);
    expect(Buffer.from(fresh!.metadata![keyIdMetadataKey]!).toString()).toBe('k2');
    expect((await rotated.decode([old!, fresh!])).map(valueOf)).toEqual(['sealed under k1', 'sealed under k2']);
    // Retire k1 too early and its payloads stop opening, with the reason named.
    await expect(new EncryptionCodec(ring({ k2 })).decode([old!])).rejects.toThrow(/no codec key "k1"/);
  });

  it('passes payloads it did not write straight through: histories from before encryption still read', async () => {
    const codec = new EncryptionCodec(ring({ k1 }));
    const plain = payloadOf({ bookingId: 'bk_old' });
    expect(await codec.decode([plain])).toEqual([plain]);
  });

  it('refuses a tampered ciphertext and a ciphertext moved under another key id', async () => {
    const codec = new EncryptionCodec(ring({ k1, k2 }));
    const [sealed] = await codec.encode([payloadOf('intact')]);
    const flipped = Buffer.from(sealed!.data!);
    flipped[20]! ^= 1;
    await expect(codec.decode([{ ...sealed!, data: flipped }])).rejects.toThrow(ValueError);
    const relabelled = { ...sealed!, metadata: { ...sealed!.metadata, [keyIdMetadataKey]: Buffer.from('k2') } };
    await expect(codec.decode([relabelled])).rejects.toThrow(/integrity check under key "k2"/);
  });

  it('refuses a key ring it cannot use', () => {
    expect(() => ring({ k1: Buffer.alloc(16).toString('base64') })).toThrow(/must be 32 bytes/);
    expect(() => ring({ k1 }, 'k9')).toThrow(/not one of TEMPORAL_CODEC_KEYS/);
  });
});

describe('personal data in Temporal', () => {
  let h: Harness;
  let bookingId: string;
  let request: ReturnType<Harness['request']>;
  /** A client with no codec: what anyone who can read the cluster sees. */
  let raw: Client;
  beforeAll(async () => {
    // A short window, so the saga completes and its history holds a result too.
    h = await startHarness({ cancellationWindow: '1 second' });
    raw = new Client({ connection: h.temporal.connection, namespace: h.temporal.options.namespace });
    const offers = await h.tripOffers();
    request = h.request({ flight: offers.flight.id, hotel: offers.hotel.id, car: offers.car.id });
    bookingId = await h.book(request);
    await h.waitForStatus(bookingId, 'CONFIRMED');
    await h.temporal.workflow.getHandle(bookingId).result();
  });
  afterAll(async () => {
    await h?.stop();
  });

  const secrets = () => [request.traveler.email, request.traveler.email.split('@')[0]!, 'Ada Lovelace', 'Lovelace'];
  const containsAny = (bytes: Uint8Array, needles: string[]) => needles.filter((needle) => Buffer.from(bytes).includes(Buffer.from(needle)));

  it('the raw history holds no email or name anywhere, in any event', async () => {
    const history = await raw.workflow.getHandle(bookingId).fetchHistory();
    const bytes = proto.temporal.api.history.v1.History.encode(history).finish();
    expect(containsAny(bytes, secrets())).toEqual([]);
    // They are there, encrypted: the input decodes to the traveler with the codec.
    const started = history.events![0]!.workflowExecutionStartedEventAttributes!;
    expect(started.input!.payloads!.map(encodingOf)).toEqual([encryptedEncoding]);
    const [input] = await h.protection.codec.decode(started.input!.payloads! as Payload[]);
    expect(valueOf(input!)).toMatchObject({ bookingId, traveler: request.traveler });
    const completed = history.events!.at(-1)!.workflowExecutionCompletedEventAttributes!;
    expect(completed.result!.payloads!.map(encodingOf)).toEqual([encryptedEncoding]);
  });

  it('memo, summaries, search attributes and query answers hold none either', async () => {
    const { workflowExecutionInfo, executionConfig } = await h.temporal.workflowService.describeWorkflowExecution({
      namespace: h.temporal.options.namespace,
      execution: { workflowId: bookingId },
    });
    const described = proto.temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse.encode({ workflowExecutionInfo, executionConfig }).finish();
    expect(containsAny(described, secrets())).toEqual([]);
    const memo = workflowExecutionInfo!.memo!.fields!;
    expect(Object.values(memo).map((p) => encodingOf(p as Payload))).toEqual(Object.keys(memo).map(() => encryptedEncoding));
    const pseudonym = workflowExecutionInfo!.searchAttributes!.indexedFields!.TravelerEmail!;
    expect(valueOf(pseudonym as Payload)).toBe(h.protection.travelerPseudonym(request.traveler.email));

    // The saga's own answer comes back sealed too: a client without the codec cannot read it.
    await expect(raw.workflow.getHandle(bookingId).query(getBookingStateQuery)).rejects.toThrow(/encoding/i);
    expect(await h.temporal.workflow.getHandle(bookingId).query(getBookingStateQuery)).toMatchObject({ bookingId, status: 'CONFIRMED' });
  });

  it('an encrypted history replays through the codec, also once the key ring has rotated', async () => {
    const history = await h.temporal.workflow.getHandle(bookingId).fetchHistory();
    const env = inject('keyEnvironment');
    const rotated = dataProtection({
      codec: parseCodecKeys(`next=${key()},${env.TEMPORAL_CODEC_KEYS}`, 'next'),
      travelerPseudonymKey: Buffer.from(env.TRAVELER_PSEUDONYM_KEY!, 'base64'),
    });
    const code = { workflowBundle: { codePath: inject('workflowBundlePath') } };
    const outcomes = await replayHistories({ ...code, dataConverter: rotated.dataConverter }, [{ workflowId: bookingId, history }]);
    expect(outcomes.map((o) => o.error?.message)).toEqual([undefined]);
    // Without the codec the replayer cannot even read the input: the payloads really are sealed.
    const blind = await replayHistories(code, [{ workflowId: bookingId, history }]);
    expect(blind[0]!.error).toBeDefined();
  });
});
