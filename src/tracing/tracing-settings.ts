/** Tracing settings (read in src/config.ts from the variables the OpenTelemetry SDK defines, and one of ours). */
export interface TracingSettings {
  /** OTEL_EXPORTER_OTLP_ENDPOINT, e.g. http://127.0.0.1:4318: spans go there over OTLP/HTTP. Unset: no SDK starts. */
  otlpEndpoint?: string;
  /** OTEL_SERVICE_NAME: overrides the process's own name (tripsaga-api, tripsaga-worker, ...). */
  serviceName?: string;
  /** TRACING_UI_URL: the trace viewer, for the link GET /bookings/:id returns (default: Jaeger's on localhost). */
  uiUrl: string;
  /** JAEGER_UI_ASSETS: a directory holding a built Jaeger UI, for `npm run tracing` to serve (docs/tracing.md). */
  jaegerUiAssets?: string;
}

/** Where `npm run tracing` serves Jaeger's UI. */
export const defaultTracingUiUrl = 'http://localhost:16686';
