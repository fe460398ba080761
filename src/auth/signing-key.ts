import { randomUUID } from 'node:crypto';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type CryptoKey, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';

/**
 * The key the embedded default (`npm start`) signs its tokens with, kept under the data directory, readable by its
 * owner only. A deployment with an identity provider never has one: it verifies against the provider's keys.
 */
export interface SigningKey {
  kid: string;
  alg: 'ES256';
  privateKey: CryptoKey;
  publicKey: CryptoKey;
}

const algorithm = 'ES256';

export function signingKeyPath(dataDir: string): string {
  return path.join(dataDir, 'auth', 'signing-key.jwk.json');
}

/** Reads the key, or creates it the first time (`npm start`). Two processes racing both end up with the one written. */
export async function loadOrCreateSigningKey(dataDir: string): Promise<SigningKey> {
  const file = signingKeyPath(dataDir);
  const existing = await loadSigningKey(dataDir);
  if (existing) return existing;
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const { privateKey } = await generateKeyPair(algorithm, { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: randomUUID(), alg: algorithm, use: 'sig' };
  try {
    await writeFile(file, `${JSON.stringify(jwk, null, 2)}\n`, { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return (await loadSigningKey(dataDir))!;
}

/** The key under `dataDir`, or undefined if there is none. A key others can read is refused, as ssh refuses one. */
export async function loadSigningKey(dataDir: string): Promise<SigningKey | undefined> {
  const file = signingKeyPath(dataDir);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const { mode } = await stat(file);
  if ((mode & 0o077) !== 0) {
    throw new Error(`${file} can be read by others (mode ${(mode & 0o777).toString(8)}); run: chmod 600 ${file}`);
  }
  const jwk = JSON.parse(text) as JWK & { kid: string };
  const { d: _private, ...publicJwk } = jwk;
  return {
    kid: jwk.kid,
    alg: algorithm,
    privateKey: (await importJWK(jwk, algorithm)) as CryptoKey,
    publicKey: (await importJWK(publicJwk, algorithm)) as CryptoKey,
  };
}
