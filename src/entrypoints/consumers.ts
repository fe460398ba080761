import { runPipelineProcess } from '../pipeline/pipeline-process.ts';

/**
 * `npm run consumers`: the read model (trip summaries), the notifier and (with API_BASE_URL) status-updates, each on
 * its durable JetStream consumer.
 * More processes may run: every booking's events are still applied once each, in order (see apply-event.ts).
 */
await runPipelineProcess({ name: 'consumers', needsDatabaseFor: 'the consumers write to a PostgreSQL server', finishing: 'settling the events in hand' });
