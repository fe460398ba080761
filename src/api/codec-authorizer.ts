import type { TokenVerifier } from '../auth/verify-token.ts';
import { InvalidTokenError } from '../auth/verify-token.ts';
import { type CodecAuthorizer, operatorSecretAuthorizer, presentedToken } from './codec-endpoint.ts';

/**
 * Who may see decrypted payloads: an operator, proven by the same JWT the API checks (a traveler's token is 403).
 * While deployments move over, the interim shared secret still opens it when one is configured.
 */
export function operatorTokenAuthorizer(verifier: TokenVerifier, interimSecret?: string): CodecAuthorizer {
  const secret = interimSecret ? operatorSecretAuthorizer(interimSecret) : undefined;
  return async (request) => {
    const token = presentedToken(request);
    if (!token) return { allowed: false, status: 401, reason: 'Present an operator token (Authorization: Bearer, or a session from /codec/session)' };
    try {
      const principal = await verifier.verify(token);
      return principal.role === 'operator' ? { allowed: true } : { allowed: false, status: 403, reason: 'Decrypted payloads are for operators' };
    } catch (error) {
      if (!(error instanceof InvalidTokenError)) throw error;
      if (secret) return secret(request);
      return { allowed: false, status: 401, reason: `Not signed in: ${error.message}` };
    }
  };
}
