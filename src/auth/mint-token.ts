import { SignJWT } from 'jose';
import type { AuthSettings } from '../config.ts';
import type { Role } from './principal.ts';
import type { SigningKey } from './signing-key.ts';

export interface TokenRequest {
  role: Role;
  /** Required for a traveler: the only email they may book as and read. */
  email?: string;
  /** Default: the email for a traveler, `operator` for an operator. */
  subject?: string;
  /** A jose duration ('12h', '30 days') or seconds since the epoch; default: the configured lifetime. */
  expiresIn?: string | number;
}

/** A token the embedded default's verifier accepts. With an identity provider, it mints the tokens instead. */
export async function mintToken(
  key: SigningKey,
  settings: Pick<AuthSettings, 'issuer' | 'audience' | 'roleClaim' | 'emailClaim' | 'tokenLifetime'>,
  { role, email, subject, expiresIn }: TokenRequest,
): Promise<string> {
  if (role === 'traveler' && !email) throw new Error('a traveler token needs the traveler email');
  return new SignJWT({ [settings.roleClaim]: role, ...(email ? { [settings.emailClaim]: email } : {}) })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
    .setIssuer(settings.issuer)
    .setAudience(settings.audience)
    .setSubject(subject ?? (role === 'traveler' ? email! : 'operator'))
    .setIssuedAt()
    .setExpirationTime(expiresIn ?? settings.tokenLifetime)
    .sign(key.privateKey);
}

/**
 * A token for a long-running caller (the consumers calling the API back): minted on first use and again once half
 * its lifetime has passed, so it never expires in flight.
 */
export function renewingToken(mint: (expiresIn: number) => Promise<string>, lifetimeSeconds = 3_600): () => Promise<string> {
  let current: { token: Promise<string>; renewAt: number } | undefined;
  return () => {
    const now = Date.now();
    if (!current || now >= current.renewAt) {
      current = { token: mint(Math.floor(now / 1_000) + lifetimeSeconds), renewAt: now + (lifetimeSeconds * 1_000) / 2 };
    }
    return current.token;
  };
}
