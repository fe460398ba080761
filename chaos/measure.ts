import type pg from 'pg';

export interface Phase {
  name: string;
  startedAt: number;
  endedAt: number;
  /** When the fault was injected and when it was undone (undefined for the phases without a fault). */
  faultAt?: number;
  restoredAt?: number;
}

export interface PhaseFigures {
  name: string;
  seconds: number;
  downSeconds?: number;
  /** From the fault until a booking made after it had gone all the way: saga ended, every consumer applied its events. */
  endToEndAfterFaultSeconds?: number;
  /** The same, counted from the moment the fault was undone. */
  endToEndAfterRestoreSeconds?: number;
  acceptedPerSecond: number;
  completedPerSecond: number;
}

/**
 * Figures from the data, not from logs: a booking's end-to-end time is from its row's created_at to the last inbox
 * row any consumer wrote for it (all on this machine's one clock). Read after the cluster has settled.
 */
export async function measurePhases(db: pg.Pool, phases: Phase[]): Promise<{ phases: PhaseFigures[]; baselineEndToEndSeconds?: number }> {
  const done = `SELECT b.id, b.created_at, b.updated_at, max(i.processed_at) AS completed_at
                FROM bookings b JOIN consumer_inbox i ON i.booking_id = b.id WHERE b.status <> 'PENDING' GROUP BY b.id`;
  const firstCompletedAfter = async (at: number) => {
    const { rows } = await db.query<{ first: Date | null }>(`SELECT min(completed_at) AS first FROM (${done}) d WHERE created_at >= $1`, [new Date(at)]);
    return rows[0]?.first ? (rows[0].first.getTime() - at) / 1_000 : undefined;
  };
  const figures: PhaseFigures[] = [];
  for (const phase of phases) {
    const seconds = (phase.endedAt - phase.startedAt) / 1_000;
    const window = [new Date(phase.startedAt), new Date(phase.endedAt)];
    const accepted = Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM bookings WHERE created_at >= $1 AND created_at < $2', window)).rows[0]!.n);
    const completed = Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM (${done}) d WHERE completed_at >= $1 AND completed_at < $2`, window)).rows[0]!.n);
    figures.push({
      name: phase.name,
      seconds,
      downSeconds: phase.faultAt !== undefined && phase.restoredAt !== undefined ? (phase.restoredAt - phase.faultAt) / 1_000 : undefined,
      endToEndAfterFaultSeconds: phase.faultAt !== undefined ? await firstCompletedAfter(phase.faultAt) : undefined,
      endToEndAfterRestoreSeconds: phase.restoredAt !== undefined ? await firstCompletedAfter(phase.restoredAt) : undefined,
      acceptedPerSecond: accepted / seconds,
      completedPerSecond: completed / seconds,
    });
  }
  const baseline = phases[0];
  let baselineEndToEndSeconds: number | undefined;
  if (baseline) {
    const { rows } = await db.query<{ median: number | null }>(
      `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM completed_at - created_at)) AS median FROM (${done}) d WHERE created_at >= $1 AND created_at < $2`,
      [new Date(baseline.startedAt), new Date(baseline.endedAt)],
    );
    baselineEndToEndSeconds = rows[0]?.median ?? undefined;
  }
  return { phases: figures, baselineEndToEndSeconds };
}
