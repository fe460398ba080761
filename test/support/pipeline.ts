import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { type EventPipeline, type EventPipelineOptions, startEventPipeline } from '../../src/pipeline/event-pipeline.ts';
import { ensureStreams, type NatsTopology } from '../../src/transport/jetstream/topology.ts';
import type { Harness } from './harness.ts';
import { removeTopology, sharedNatsUrl, uniqueTopology } from './nats.ts';

export interface TestPipeline {
  topology: NatsTopology;
  /** A connection of the test's own, to publish or read the streams behind the pipeline's back. */
  nc: NatsConnection;
  pipeline: EventPipeline;
  /** Stops the pipeline, closes the connection and deletes the topology's streams. */
  stop(): Promise<void>;
}

/**
 * The event pipeline of the harness on the shared NATS server, on streams of its own (a unique topology unless one is
 * given, its age limit included), created before the pipeline starts so the test can publish at once.
 */
export async function startTestPipeline(
  h: Harness,
  options: Omit<EventPipelineOptions, 'db' | 'natsUrl' | 'natsSubjectRoot' | 'natsStreamReplicas' | 'natsStreamMaxAgeMs' | 'metrics'> & { topology?: NatsTopology },
): Promise<TestPipeline> {
  const { topology = uniqueTopology(), ...pipelineOptions } = options;
  const nc = await connect({ servers: sharedNatsUrl });
  await ensureStreams(await jetstreamManager(nc), topology);
  const pipeline = startEventPipeline({
    db: h.db,
    natsUrl: sharedNatsUrl,
    natsSubjectRoot: topology.root,
    natsStreamReplicas: topology.replicas,
    natsStreamMaxAgeMs: topology.maxAgeMs,
    metrics: h.metrics,
    ...pipelineOptions,
  });
  return {
    topology,
    nc,
    pipeline,
    async stop() {
      await pipeline.stop();
      await nc.close();
      await removeTopology(sharedNatsUrl, topology);
    },
  };
}
