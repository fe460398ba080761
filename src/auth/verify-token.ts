import { createPublicKey, type KeyObject } from 'node:crypto';
import { createRemoteJWKSet, type CryptoKey, errors, type JWTPayload, type JWTVerifyGetKey, type JWTVerifyOptions, jwtVerify } from 'jose';
import type { AuthSettings } from '../config.ts';
import type { Principal } from './principal.ts';
import { loadSigningKey, signingKeyPath } from './signing-key.ts';

/** Why a token was refused, said without echoing the token back. */
export class InvalidTokenError extends Error {
  override readonly name = 'InvalidTokenError';
}

export interface TokenVerifier {
  /** The principal a token proves, or an InvalidTokenError (bad signature, expired, wrong issuer or audience...). */
  verify(token: string): Promise<Principal>;
  /** Where the keys come from, for the start-up log. */
  readonly source: string;
}

/** One key, or a key set that picks the key by the token's `kid` (createRemoteJWKSet, createLocalJWKSet). */
type VerificationKey = CryptoKey | KeyObject | Uint8Array | JWTVerifyGetKey;

export type VerifierSettings = Pick<AuthSettings, 'issuer' | 'audience' | 'algorithms' | 'roleClaim' | 'emailClaim'>;

/** A verifier over one key or key set. Issuer, audience, expiry and the algorithm are always checked. */
export function createTokenVerifier(settings: VerifierSettings, key: VerificationKey, source: string): TokenVerifier {
  const options: JWTVerifyOptions = {
    issuer: settings.issuer,
    audience: settings.audience,
    algorithms: settings.algorithms,
    requiredClaims: ['sub', 'exp'],
  };
  return {
    source,
    async verify(token) {
      let payload: JWTPayload;
      try {
        ({ payload } = typeof key === 'function' ? await jwtVerify(token, key, options) : await jwtVerify(token, key, options));
      } catch (error) {
        throw new InvalidTokenError(reasonFor(error));
      }
      return principalOf(payload, settings);
    },
  };
}

/**
 * The verifier the settings ask for: an identity provider's JWKS, else a configured public key, else the signing key
 * the embedded default keeps under the data directory.
 */
export async function verifierFromSettings(settings: AuthSettings, dataDir: string): Promise<TokenVerifier> {
  if (settings.jwksUrl) return createTokenVerifier(settings, createRemoteJWKSet(new URL(settings.jwksUrl)), `JWKS at ${settings.jwksUrl}`);
  if (settings.publicKey) return createTokenVerifier(settings, parsePublicKey(settings.publicKey), 'AUTH_PUBLIC_KEY');
  const key = await loadSigningKey(dataDir);
  if (!key) {
    throw new Error(
      `no way to verify tokens: set AUTH_JWKS_URL or AUTH_PUBLIC_KEY, or run npm start once to create ${signingKeyPath(dataDir)}`,
    );
  }
  return createTokenVerifier({ ...settings, algorithms: [key.alg] }, key.publicKey, `the signing key in ${signingKeyPath(dataDir)}`);
}

/** PEM (SPKI or certificate) or a JWK as JSON. */
function parsePublicKey(text: string): KeyObject {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) return createPublicKey({ key: JSON.parse(trimmed), format: 'jwk' });
  return createPublicKey(trimmed.replace(/\\n/g, '\n'));
}

function principalOf(payload: JWTPayload, { roleClaim, emailClaim }: VerifierSettings): Principal {
  const subject = payload.sub!;
  const claimed = payload[roleClaim];
  const granted = Array.isArray(claimed) ? claimed : [claimed];
  if (granted.includes('operator')) return { role: 'operator', subject };
  if (granted.includes('traveler')) {
    const email = payload[emailClaim];
    if (typeof email !== 'string' || !email.includes('@')) throw new InvalidTokenError(`a traveler token needs an email in '${emailClaim}'`);
    return { role: 'traveler', subject, email };
  }
  throw new InvalidTokenError(`the token grants no role this API knows ('${roleClaim}': traveler or operator)`);
}

function reasonFor(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'the token has expired';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'the token signature does not verify';
  if (error instanceof errors.JWTClaimValidationFailed) return `the token's '${error.claim}' claim is not accepted`;
  if (error instanceof errors.JOSEAlgNotAllowed) return 'the token is signed with an algorithm this API does not accept';
  if (error instanceof errors.JWKSNoMatchingKey) return 'the token is signed with a key this API does not know';
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) return 'the token is malformed';
  return 'the token could not be verified';
}
