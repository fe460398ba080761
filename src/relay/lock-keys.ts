/**
 * PostgreSQL advisory locks the relay takes, in the two-key form (class, id) so they never meet the one-key lock
 * Prisma Migrate takes (72707369). They are scoped to the database, so relays of different databases never meet.
 */
export const lockClass = {
  /** One per running relay (id: a random member id): counting them tells each relay its fair share. */
  relayMember: 7_400_001,
  /** One per outbox partition (id: the partition): whoever holds it publishes that partition's events. */
  relayPartition: 7_400_002,
} as const;
