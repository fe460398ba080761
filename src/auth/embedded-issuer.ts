import type { AuthSettings } from '../config.ts';
import { mintToken, renewingToken, type TokenRequest } from './mint-token.ts';
import { loadOrCreateSigningKey, loadSigningKey, signingKeyPath } from './signing-key.ts';

/**
 * The embedded default's token issuer: a signing key under the data directory, used when no identity provider is
 * configured (neither AUTH_JWKS_URL nor AUTH_PUBLIC_KEY). With one, there is no issuer here: the provider mints.
 */
export interface EmbeddedIssuer {
  mint(request: TokenRequest): Promise<string>;
  /** An operator token for this app's own consumers calling the API back, renewed before it expires. */
  serviceToken: () => Promise<string>;
  keyPath: string;
}

export function usesIdentityProvider(settings: AuthSettings): boolean {
  return settings.jwksUrl !== undefined || settings.publicKey !== undefined;
}

/** `create`: make the key if there is none yet (`npm start`, `npm run token`); otherwise only read it. */
export async function embeddedIssuer(settings: AuthSettings, dataDir: string, { create }: { create: boolean }): Promise<EmbeddedIssuer | undefined> {
  if (usesIdentityProvider(settings)) return undefined;
  const key = create ? await loadOrCreateSigningKey(dataDir) : await loadSigningKey(dataDir);
  if (!key) return undefined;
  const mint = (request: TokenRequest) => mintToken(key, settings, request);
  return {
    mint,
    serviceToken: renewingToken((expiresIn) => mint({ role: 'operator', subject: 'tripsaga-consumers', expiresIn })),
    keyPath: signingKeyPath(dataDir),
  };
}
