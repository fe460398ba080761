import { runPipelineProcess } from '../pipeline/pipeline-process.ts';

/**
 * `npm run relay`: the outbox relay alone. Run as many as you like against one database: they share the outbox
 * partitions between them, and each booking's events still leave in order.
 */
await runPipelineProcess({ name: 'relay', needsDatabaseFor: 'the relay reads the outbox of a PostgreSQL server', finishing: 'finishing the batch in hand' });
