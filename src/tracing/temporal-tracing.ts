import { createRequire } from 'node:module';
import type { ClientInterceptors } from '@temporalio/client';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor,
  type OpenTelemetrySinks,
} from '@temporalio/interceptors-opentelemetry';
import type { InjectedSinks, WorkerOptions } from '@temporalio/worker';
import type { Tracing } from './start-tracing.ts';

/**
 * Temporal's own OpenTelemetry interceptors carry the trace across Temporal: the client's puts the caller's context in
 * the workflow's start headers, the workflow's (bundled into the workflow code, run in the sandbox) parents the run
 * and each activity it schedules on it, and the activity's runs the activity inside that span, where the outbox
 * append reads it. With tracing off the client and activity interceptors use the API's no-op tracer.
 */
export const workflowTracingModules: string[] = [
  createRequire(import.meta.url).resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors'),
];

export function tracingClientInterceptors(): ClientInterceptors {
  return { workflow: [new OpenTelemetryWorkflowClientInterceptor()] };
}

/**
 * The worker's side: the activity interceptors, and the sink through which the sandbox hands its workflow spans out.
 * The sink is registered also when tracing is off, for a bundle built with the workflow interceptors (the tests'
 * bundle, so that every test and the replay suite run the workflow code with them); it then drops the spans.
 */
export function tracingWorkerOptions(tracing: Tracing): Pick<WorkerOptions, 'sinks'> & { activityInterceptors: NonNullable<NonNullable<WorkerOptions['interceptors']>['activity']> } {
  const exporter =
    tracing.enabled && tracing.spanProcessor && tracing.resource
      ? makeWorkflowExporter(tracing.spanProcessor, tracing.resource)
      : { export: { fn: () => {} } };
  const sinks: InjectedSinks<OpenTelemetrySinks> = { exporter };
  return {
    sinks,
    activityInterceptors: [
      (ctx) => ({ inbound: new OpenTelemetryActivityInboundInterceptor(ctx), outbound: new OpenTelemetryActivityOutboundInterceptor(ctx) }),
    ],
  };
}
