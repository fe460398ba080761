import type { AppConfig } from '../config.ts';
import type { EventPipelineOptions } from './event-pipeline.ts';

/**
 * What the settings say about the event pipeline, for every process that runs one (`npm start`, `npm run relay`,
 * `npm run consumers`): the streams, the choreographed trip's services where consumers run, and retention
 * (docs/operating-the-pipeline.md#retention).
 */
export function pipelineSettings(config: AppConfig, { consumers }: { consumers: boolean }) {
  const { pruneAfterMs, pruneEveryMs, cancellationWindowMs } = config.retention;
  return {
    natsSubjectRoot: config.natsSubjectRoot,
    natsStreamReplicas: config.natsStreamReplicas,
    natsStreamMaxAgeMs: config.natsStreamMaxAgeMs,
    ...(consumers && config.choreography.services ? { choreography: { wallet: config.wallet, stepDeadlineMs: config.choreography.stepDeadlineMs } } : {}),
    prune: pruneAfterMs === undefined ? undefined : { olderThanMs: pruneAfterMs, everyMs: pruneEveryMs, cancellationWindowMs },
  } satisfies Partial<EventPipelineOptions>;
}
