import type { Db } from '../db/prisma.ts';
import type { PendingSagas } from '../metrics/saga-metrics.ts';

/**
 * How many bookings wait for their saga to settle them, and for how long the oldest has, by the database's clock (the
 * same clock that stamped created_at). Reads only the PENDING rows, through the (status, workflow_started_at) index.
 */
export async function measurePendingSagas(prisma: Db): Promise<PendingSagas> {
  const [row] = await prisma.$queryRaw<{ count: number; age: number | null }[]>`
    SELECT count(*)::int AS count, EXTRACT(EPOCH FROM now() - min(created_at))::float8 AS age
    FROM bookings WHERE status = 'PENDING'`;
  return { count: row?.count ?? 0, oldestAgeSeconds: Math.max(0, row?.age ?? 0) };
}
