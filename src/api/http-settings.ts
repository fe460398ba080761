/** The API's limits on work and on slow clients: read from the environment by src/config.ts. */
export interface ApiLimits {
  /** Writes (POST...) per caller per window: a token's subject, or the address when anonymous. 0: no limit. */
  writesPerWindow: number;
  windowSeconds: number;
  /** Sagas of one traveler running (booking PENDING) at once; one more is refused with 429. 0: no cap. */
  runningSagasPerTraveler: number;
}

export interface HttpSettings {
  /** Time to receive a request's headers, and the whole request with its body; slower clients are cut off (408). */
  headersTimeoutMs: number;
  requestTimeoutMs: number;
}
