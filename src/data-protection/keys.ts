import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CodecKeyRing } from './encryption-codec.ts';

/**
 * The secrets that keep personal data out of Temporal: the payload codec's key ring and the key of the traveler
 * pseudonym (a key of its own, so rotating the codec keys never changes what an operator searches for).
 */
export interface DataProtectionKeys {
  codec: CodecKeyRing;
  travelerPseudonymKey: Buffer;
  /** The interim secret an operator presents to the codec endpoint; absent, the endpoint is not served. */
  codecOperatorToken?: string;
}

/** Where `npm start` keeps the keys it generated, relative to its data directory. */
export const keyFileName = path.join('secrets', 'data-protection.json');

interface KeyFile {
  codec: { activeKeyId: string; keys: Record<string, string> };
  travelerPseudonymKey: string;
  codecOperatorToken?: string;
}

export interface LoadKeysOptions {
  env?: NodeJS.ProcessEnv;
  /** The data directory whose key file is read when the environment names no keys. */
  dataDir: string;
  /** Generate the key file when it is missing (`npm start` only: separate processes must share their keys). */
  createIfMissing?: boolean;
}

/**
 * Keys from the environment when it names them (production: from a secret store), else from the data directory's
 * key file.
 *
 * - TEMPORAL_CODEC_KEYS: `id=base64,id=base64,...`, each key 32 random bytes (`openssl rand -base64 32`).
 * - TEMPORAL_CODEC_ACTIVE_KEY: the id that encrypts; default the first listed. The others only decrypt.
 * - TRAVELER_PSEUDONYM_KEY: base64, at least 32 bytes.
 * - CODEC_OPERATOR_TOKEN: the secret the codec endpoint asks for (at least 24 characters); optional.
 */
export async function loadDataProtectionKeys({ env = process.env, dataDir, createIfMissing = false }: LoadKeysOptions): Promise<DataProtectionKeys> {
  const fromEnv = {
    codec: env.TEMPORAL_CODEC_KEYS?.trim() ? parseCodecKeys(env.TEMPORAL_CODEC_KEYS, env.TEMPORAL_CODEC_ACTIVE_KEY) : undefined,
    travelerPseudonymKey: env.TRAVELER_PSEUDONYM_KEY?.trim() ? pseudonymKey(env.TRAVELER_PSEUDONYM_KEY, 'TRAVELER_PSEUDONYM_KEY') : undefined,
  };
  const codecOperatorToken = operatorToken(env.CODEC_OPERATOR_TOKEN);
  if (fromEnv.codec && fromEnv.travelerPseudonymKey) {
    return { codec: fromEnv.codec, travelerPseudonymKey: fromEnv.travelerPseudonymKey, ...(codecOperatorToken ? { codecOperatorToken } : {}) };
  }
  const file = await readKeyFile(dataDir, createIfMissing);
  const token = codecOperatorToken ?? file.codecOperatorToken;
  return { codec: fromEnv.codec ?? file.codec, travelerPseudonymKey: fromEnv.travelerPseudonymKey ?? file.travelerPseudonymKey, ...(token ? { codecOperatorToken: token } : {}) };
}

export function parseCodecKeys(list: string, activeKeyId?: string): CodecKeyRing {
  const keys = new Map<string, Buffer>();
  for (const entry of list.split(',').map((e) => e.trim()).filter(Boolean)) {
    const separator = entry.indexOf('=');
    const id = entry.slice(0, separator).trim();
    if (separator <= 0 || !/^[A-Za-z0-9._-]{1,64}$/.test(id)) throw new Error('TEMPORAL_CODEC_KEYS must read id=base64key,id=base64key (ids: letters, digits, . _ -)');
    const key = Buffer.from(entry.slice(separator + 1).trim(), 'base64');
    if (key.length !== 32) throw new Error(`TEMPORAL_CODEC_KEYS: key "${id}" must be 32 bytes in base64, got ${key.length} bytes`);
    if (keys.has(id)) throw new Error(`TEMPORAL_CODEC_KEYS: key id "${id}" is listed twice`);
    keys.set(id, key);
  }
  if (keys.size === 0) throw new Error('TEMPORAL_CODEC_KEYS names no key');
  const active = activeKeyId?.trim() || [...keys.keys()][0]!;
  if (!keys.has(active)) throw new Error(`TEMPORAL_CODEC_ACTIVE_KEY "${active}" is not one of TEMPORAL_CODEC_KEYS`);
  return { activeKeyId: active, keys };
}

function operatorToken(value: string | undefined): string | undefined {
  const token = value?.trim();
  if (!token) return undefined;
  if (token.length < 24 || !/^[\x21-\x7e]+$/.test(token)) throw new Error('CODEC_OPERATOR_TOKEN must be at least 24 printable ASCII characters');
  return token;
}

function pseudonymKey(base64: string, name: string): Buffer {
  const key = Buffer.from(base64.trim(), 'base64');
  if (key.length < 32) throw new Error(`${name} must be at least 32 bytes in base64, got ${key.length} bytes`);
  return key;
}

/** A fresh key ring and pseudonym key, in the key file's shape. */
export function generateKeyFile(activeKeyId = `k${new Date().toISOString().slice(0, 10).replaceAll('-', '')}`): KeyFile {
  return {
    codec: { activeKeyId, keys: { [activeKeyId]: randomBytes(32).toString('base64') } },
    travelerPseudonymKey: randomBytes(32).toString('base64'),
    codecOperatorToken: randomBytes(24).toString('base64url'),
  };
}

/**
 * Adds a new codec key to the data directory's key file and makes it the one that encrypts; the old keys stay, so
 * every payload written so far still decrypts. Returns the new key id.
 */
export async function rotateCodecKeyInFile(dataDir: string, newKeyId = `k${Date.now().toString(36)}`): Promise<string> {
  const file = path.join(dataDir, keyFileName);
  const stored = JSON.parse(await readFile(file, 'utf8')) as KeyFile;
  if (stored.codec.keys[newKeyId]) throw new Error(`codec key "${newKeyId}" exists already`);
  stored.codec.keys[newKeyId] = randomBytes(32).toString('base64');
  stored.codec.activeKeyId = newKeyId;
  await writeKeyFile(file, stored);
  return newKeyId;
}

async function readKeyFile(dataDir: string, createIfMissing: boolean) {
  const file = path.join(dataDir, keyFileName);
  let stored: KeyFile;
  try {
    stored = JSON.parse(await readFile(file, 'utf8')) as KeyFile;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`cannot read the key file ${file}: ${(error as Error).message}`);
    if (!createIfMissing) {
      throw new Error(
        `no payload codec keys: set TEMPORAL_CODEC_KEYS and TRAVELER_PSEUDONYM_KEY (see docs/security.md), or run \`npm start\` once to create ${file}`,
      );
    }
    stored = generateKeyFile();
    await writeKeyFile(file, stored);
  }
  const ring = Object.entries(stored.codec.keys)
    .map(([id, key]) => `${id}=${key}`)
    .join(',');
  return {
    codec: parseCodecKeys(ring, stored.codec.activeKeyId),
    travelerPseudonymKey: pseudonymKey(stored.travelerPseudonymKey, `travelerPseudonymKey in ${file}`),
    codecOperatorToken: operatorToken(stored.codecOperatorToken),
  };
}

async function writeKeyFile(file: string, content: KeyFile) {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600 });
  await rename(temporary, file);
}

/**
 * Fresh keys as the environment variables that carry them: for a launcher whose processes must share one set
 * (the tests, the benchmark).
 */
export function generatedKeyEnvironment(): Record<'TEMPORAL_CODEC_KEYS' | 'TEMPORAL_CODEC_ACTIVE_KEY' | 'TRAVELER_PSEUDONYM_KEY' | 'CODEC_OPERATOR_TOKEN', string> {
  const generated = generateKeyFile();
  return {
    TEMPORAL_CODEC_KEYS: Object.entries(generated.codec.keys).map(([id, key]) => `${id}=${key}`).join(','),
    TEMPORAL_CODEC_ACTIVE_KEY: generated.codec.activeKeyId,
    TRAVELER_PSEUDONYM_KEY: generated.travelerPseudonymKey,
    CODEC_OPERATOR_TOKEN: generated.codecOperatorToken!,
  };
}
