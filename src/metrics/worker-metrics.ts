import { Counter, Registry } from 'prom-client';
import { freePort } from '../lib/free-port.ts';
import { createSagaMetrics } from './saga-metrics.ts';

/**
 * The worker process's metrics: the saga's (outcomes, step durations, unsettled bookings) and the saga starter's
 * counter here, and the Temporal SDK's own worker metrics (task slots, poll and schedule-to-start latencies, sticky
 * cache) from the SDK core's Prometheus exporter. The exporter can only listen on a socket of its own, so it binds a
 * loopback port and its text is served beside ours on the worker's one metrics port.
 */
export async function createWorkerMetrics() {
  const coreAddress = `127.0.0.1:${await freePort()}`;
  const registry = new Registry();
  const sagasStarted = new Counter({
    name: 'tripsaga_saga_starter_started_total',
    help: 'Sagas the saga starter started because their start was lost (the API died or Temporal was down)',
    registers: [registry],
  });
  const sdkMetrics = async () => (await fetch(`http://${coreAddress}/metrics`)).text();
  return {
    registry,
    saga: createSagaMetrics(registry),
    sagasStarted,
    /** For the Temporal runtime, installed once per process before the first connection (logTemporalRuntimeTo). */
    telemetryOptions: { metrics: { prometheus: { bindAddress: coreAddress, countersTotalSuffix: true, useSecondsForDurations: true } } },
    sdkMetrics,
    /** Ours and the SDK's, for a process whose API serves the worker's metrics too (`npm start`). */
    text: async () => [await registry.metrics(), await sdkMetrics().catch(() => '')].join('\n'),
  };
}
