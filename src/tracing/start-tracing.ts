import { trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { TracingSettings } from './tracing-settings.ts';

/** A process's tracing: on (an SDK exporting to OTLP) or off (the API's no-op tracer, nothing started). */
export interface Tracing {
  readonly enabled: boolean;
  /** Where the workflow spans made in Temporal's sandbox are handed over (temporal-tracing.ts). */
  readonly spanProcessor?: SpanProcessor;
  readonly resource?: Resource;
  /** Sends the spans still buffered (a test reads them right after). */
  flush(): Promise<void>;
  /** Flushes and stops exporting: the last thing a process closes. */
  shutdown(): Promise<void>;
}

export const tracingOff: Tracing = { enabled: false, flush: async () => {}, shutdown: async () => {} };

let active: Tracing = tracingOff;

/** Whether this process exports spans: the HTTP middleware does nothing at all when it does not. */
export const tracingActive = () => active.enabled;

/**
 * Starts the OpenTelemetry SDK for this process when an OTLP endpoint is set, and registers it as the global tracer
 * provider (with the AsyncLocalStorage context manager and the W3C propagator), so the Temporal interceptors and our
 * own spans share it. Without an endpoint nothing starts: every span is the API's no-op one.
 */
export function startTracing(settings: TracingSettings, serviceName: string): Tracing {
  if (!settings.otlpEndpoint) return tracingOff;
  if (active.enabled) return active; // one provider per process: the global one can be registered once
  const resource = new Resource({ 'service.name': settings.serviceName ?? serviceName });
  // OTLP/HTTP with JSON bodies: every OTLP receiver takes it (Jaeger's included), and a test can read it as it is.
  const exporter = new OTLPTraceExporter({ url: `${settings.otlpEndpoint.replace(/\/$/, '')}/v1/traces` });
  // Batched and sent from a timer: a request or an apply never waits on the exporter.
  const spanProcessor = new BatchSpanProcessor(exporter, { scheduledDelayMillis: 500 });
  const provider = new NodeTracerProvider({ resource, spanProcessors: [spanProcessor] });
  provider.register();
  active = {
    enabled: true,
    spanProcessor,
    resource,
    flush: () => provider.forceFlush(),
    shutdown: async () => {
      await provider.shutdown();
      trace.disable();
      active = tracingOff;
    },
  };
  return active;
}
