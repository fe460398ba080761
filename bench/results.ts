import type { AnswerWaitResult } from './answer-wait.ts';
import type { BookingReadsResult } from './booking-reads.ts';
import type { CoordinationComparison } from './coordination-comparison.ts';
import type { CpuProfileSummary } from './cpu-profile-summary.ts';
import type { DatabaseCeiling } from './db-ceiling.ts';
import type { EngineComparison } from './engine-comparison.ts';
import type { GrowthLevel } from './growth.ts';
import type { HotPathPlans } from './hot-path-plans.ts';
import type { JetStreamPublishResult } from './jetstream-publish.ts';
import type { MachineInfo, describeVersions } from './machine-info.ts';
import type { ProcessCost } from './measured-processes.ts';
import type { BenchPlan } from './options.ts';
import type { OutboxPipelineResult } from './outbox-pipeline.ts';
import type { ReferenceRows } from './reference-rows.ts';
import type { TargetVerdict } from './targets.ts';

/** Resident memory of every measured process after a measurement, against the bookings then in the database. */
export interface MemoryPoint {
  after: string;
  bookingsInDatabase: number;
  rssMiB: Record<string, number | null>;
}

/** Everything one run wrote to its JSON file. Bump `schema` when a field changes meaning. */
export interface BenchResults {
  schema: 'tripsaga-bench/1';
  mode: BenchPlan['mode'];
  startedAt: string;
  finishedAt?: string;
  wallSeconds?: number;
  machine: MachineInfo;
  versions?: Awaited<ReturnType<typeof describeVersions>>;
  settings: Omit<BenchPlan, 'outPath'> & { temporalServer: string; databaseName?: string };
  engine?: EngineComparison;
  /** The naive saga and the saga on DBOS, beside tripsaga at the same concurrencies. */
  referenceRows?: ReferenceRows;
  databaseCeiling?: DatabaseCeiling;
  growth?: GrowthLevel[];
  memory: MemoryPoint[];
  /** CPU of each process before any load, in % of one core (polling, timers, the saga starter's scan). */
  idleCpuPercent?: Record<string, number>;
  cost?: {
    /** Over every saga measurement of the concurrency sweep (warm-up, drain and sagas closing included). */
    sagaPer1000Bookings: Record<string, ProcessCost>;
    barePer1000Workflows: Record<string, ProcessCost>;
    /** VmHWM of each process at the end of the run. */
    peakRssMiB: Record<string, number | null>;
  };
  hotPathPlans?: HotPathPlans;
  jetstream?: JetStreamPublishResult;
  outboxPipeline?: OutboxPipelineResult;
  bookingReads?: BookingReadsResult;
  answerWait?: AnswerWaitResult;
  /** The same trip orchestrated and choreographed, back to back (coordination-comparison.ts). */
  coordination?: CoordinationComparison;
  profiles?: CpuProfileSummary[];
  /** Each target of bench/targets.ts, met or missed in this run. */
  targets?: TargetVerdict[];
  /** A step that failed: the run carries on with the others and says so here. */
  failures: { step: string; error: string }[];
}
