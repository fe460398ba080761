import { randomUUID } from 'node:crypto';
import { generateKeyPair } from 'jose';
import { type AuthSettings, loadConfig } from '../config.ts';
import { mintToken, type TokenRequest } from './mint-token.ts';
import type { SigningKey } from './signing-key.ts';
import { createTokenVerifier, type TokenVerifier } from './verify-token.ts';

/**
 * A signing key that lives in one process's memory, with the verifier that trusts it: for the scripts and tests
 * that run the API in-process. Tokens are checked exactly as in production (issuer, audience, expiry, algorithm).
 */
export interface EphemeralIssuer {
  key: SigningKey;
  settings: AuthSettings;
  verifier: TokenVerifier;
  mint(request: TokenRequest): Promise<string>;
}

export async function newSigningKey(kid: string = randomUUID()): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  return { kid, alg: 'ES256', privateKey, publicKey };
}

export async function createEphemeralIssuer(settings: AuthSettings = loadConfig({}).auth): Promise<EphemeralIssuer> {
  const key = await newSigningKey();
  return {
    key,
    settings,
    verifier: createTokenVerifier({ ...settings, algorithms: [key.alg] }, key.publicKey, 'a key in memory'),
    mint: (request) => mintToken(key, settings, request),
  };
}
