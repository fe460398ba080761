import { createHmac } from 'node:crypto';

export type TravelerPseudonym = (email: string) => string;

/**
 * A traveler's stable stand-in where Temporal indexes it (the `TravelerEmail` search attribute): an HMAC of the
 * lowercased email under a key of its own. Whoever holds the key (the API) can compute it and link an operator to the
 * traveler's sagas; the visibility store alone cannot be turned back into emails, nor checked against a list of
 * guesses, as a plain hash could.
 */
export function travelerPseudonym(key: Buffer): TravelerPseudonym {
  return (email) => `tp_${createHmac('sha256', key).update(email.trim().toLowerCase()).digest('hex').slice(0, 32)}`;
}
