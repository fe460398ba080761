/** How tokens are checked and minted: read from the environment by src/config.ts. */
export interface AuthSettings {
  /** Verify tokens against this JWKS (an identity provider's keys). */
  jwksUrl?: string;
  /** Or against this public key (PEM, or a JWK as JSON). Neither set: the signing key under `dataDir/auth`. */
  publicKey?: string;
  issuer: string;
  audience: string;
  /** The signatures accepted; a token signed otherwise (`none` above all) is refused. */
  algorithms: string[];
  /** Claims that carry the role (`traveler` or `operator`) and the traveler's email. */
  roleClaim: string;
  emailClaim: string;
  /** Lifetime of the tokens `npm start` and `npm run token` mint, a jose duration ('8h', '30 days'). */
  tokenLifetime: string;
}

/** What a deployment gets unless it says otherwise (AUTH_* in the environment). */
export const defaultAuthSettings: AuthSettings = {
  issuer: 'tripsaga',
  audience: 'tripsaga-api',
  algorithms: ['ES256', 'RS256', 'EdDSA'],
  roleClaim: 'role',
  emailClaim: 'email',
  tokenLifetime: '12h',
};
