import type { BenchEnvironment } from './bench-environment.ts';
import type { MeasureContext } from './measure.ts';
import type { BenchPlan } from './options.ts';

export type OutboxPipelineResult =
  | { measured: false; reason: string }
  | {
      measured: true;
      /** Outbox events acknowledged by NATS per second while the sagas run. */
      eventsPerSecond: number;
      /** Commit (occurred_at) -> JetStream ack (published_at), per event. */
      commitToAckMs: { p50: number; p99: number };
      /** Commit -> the read model applied it. */
      commitToAppliedMs: { p50: number; p99: number };
    };

/**
 * RELAY SLOT. The outbox relay (outbox -> NATS JetStream) is being built on another branch. Once it is merged:
 *  1. start it in bench-environment.ts (the marked slot there); it then appears in the cost and memory tables;
 *  2. measure here, while sagas run at a fixed rate (the target: 200 events/s): events/s from the outbox rows
 *     the relay marks published, p50/p99 of published_at - occurred_at (commit -> NATS ack), and commit -> applied
 *     from the read model the relay's consumer keeps;
 *  3. print them beside the raw JetStream publish+ack figures measured in the same run (jetstream-publish.ts).
 * Nothing else in the benchmark needs to change: report.ts already prints this result when `measured` is true.
 */
export async function measureOutboxPipeline(_ctx: MeasureContext, _env: BenchEnvironment, _plan: BenchPlan): Promise<OutboxPipelineResult> {
  return { measured: false, reason: 'the outbox relay is not merged yet (see RELAY SLOT in bench/outbox-pipeline.ts)' };
}
