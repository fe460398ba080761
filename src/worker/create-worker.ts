import { fileURLToPath } from 'node:url';
import type { DataConverter } from '@temporalio/common';
import { type NativeConnection, Worker } from '@temporalio/worker';
import type { Clock } from '../lib/clock.ts';
import { createActivities } from '../../activities/index.ts';
import type { PaymentProvider } from '../../activities/payment-provider.ts';
import type { Db } from '../db/prisma.ts';
import type { WalletSettings } from '../wallet/wallet-settings.ts';
import { type Tracing, tracingOff } from '../tracing/index.ts';
import { tracingWorkerOptions, workflowTracingModules } from '../tracing/temporal-tracing.ts';
import type { SagaMetrics } from '../metrics/saga-metrics.ts';
import { sagaActivityMetrics } from './saga-activity-metrics.ts';

export interface BookingWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  prisma: Db;
  /** The same payload codec the clients use (src/data-protection): inputs, results and query answers are encrypted. */
  dataConverter: DataConverter;
  clock?: Clock;
  /** A payment service provider for the charge and refund steps, instead of the traveler's wallet (the default). */
  payments?: PaymentProvider;
  /** The wallet's opening credit and snapshot interval (config.wallet). */
  wallet?: WalletSettings;
  /** A prebuilt bundle (tests build it once); without one the worker bundles workflows/ at start (about 3 s). */
  workflowBundlePath?: string;
  /** Where the saga's outcomes and step durations are counted (src/metrics/saga-metrics.ts); none without. */
  sagaMetrics?: SagaMetrics;
  /** Overrides for single activities, e.g. a test that injects a transient failure around the real one. */
  activities?: Partial<ReturnType<typeof createActivities>>;
  /**
   * The process's tracing (src/tracing). On: the workflow code is bundled with Temporal's workflow interceptors and
   * its spans are exported. Off: bundled without them. A prebuilt bundle has them either way (test/support).
   */
  tracing?: Tracing;
}

export const workflowsPath = fileURLToPath(new URL('../../workflows/index.ts', import.meta.url));

export async function createBookingWorker(options: BookingWorkerOptions): Promise<Worker> {
  const activities = { ...createActivities({ prisma: options.prisma, clock: options.clock, payments: options.payments, wallet: options.wallet }), ...options.activities };
  const tracing = options.tracing ?? tracingOff;
  const { sinks, activityInterceptors } = tracingWorkerOptions(tracing);
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    activities,
    dataConverter: options.dataConverter,
    ...(options.workflowBundlePath ? { workflowBundle: { codePath: options.workflowBundlePath } } : { workflowsPath }),
    interceptors: {
      // Tracing outermost, so the saga's metrics are taken inside the activity's span.
      activity: [...activityInterceptors, ...(options.sagaMetrics ? [sagaActivityMetrics(options.sagaMetrics)] : [])],
      workflowModules: tracing.enabled && !options.workflowBundlePath ? workflowTracingModules : [],
    },
    sinks,
    // On SIGTERM the worker stops polling and lets running activities finish (each is one short transaction).
    shutdownGraceTime: '15 seconds',
  });
}
