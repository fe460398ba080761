import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { exportJWK } from 'jose';
import type { Test } from 'supertest';
import { createEphemeralIssuer, newSigningKey } from '../../src/auth/ephemeral-issuer.ts';
import { mintToken } from '../../src/auth/mint-token.ts';
import type { TokenVerifier } from '../../src/auth/verify-token.ts';

/** Tokens for tests, signed by a key made for the test file: every test that calls the API gets them here. */
export interface TestTokens {
  verifier: TokenVerifier;
  /** The public key as a JWK in JSON: AUTH_PUBLIC_KEY for an entry point run as a process of its own. */
  publicKey: string;
  operator(): Promise<string>;
  traveler(email: string): Promise<string>;
  /** Expired a minute ago. */
  expired(email: string): Promise<string>;
  /** The right claims and key id, signed by a key the verifier does not trust. */
  forged(email: string): Promise<string>;
}

export async function createTestTokens(): Promise<TestTokens> {
  const issuer = await createEphemeralIssuer();
  const impostor = await newSigningKey(issuer.key.kid);
  return {
    verifier: issuer.verifier,
    publicKey: JSON.stringify({ ...(await exportJWK(issuer.key.publicKey)), alg: issuer.key.alg }),
    operator: () => issuer.mint({ role: 'operator' }),
    traveler: (email) => issuer.mint({ role: 'traveler', email }),
    expired: (email) => issuer.mint({ role: 'traveler', email, expiresIn: Math.floor(Date.now() / 1_000) - 60 }),
    forged: (email) => mintToken(impostor, issuer.settings, { role: 'traveler', email }),
  };
}

/** `Authorization: Bearer <token>` on a supertest request. */
export function as<T extends Test>(token: string, test: T): T {
  return test.set('Authorization', `Bearer ${token}`) as T;
}

/** The same header for fetch(). */
export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** `npm run token -- --traveler EMAIL` on an `npm start` data directory: signed with the key that npm start made. */
export async function mintTravelerToken(dataDir: string, email: string): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/entrypoints/token.ts', '--traveler', email], {
    env: { ...process.env, TRIPSAGA_DATA_DIR: dataDir },
  });
  return stdout.trim();
}
