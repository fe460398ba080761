export { inSpan, type SpanOptions, SpanKind, startSpan } from './spans.ts';
export { startTracing, type Tracing, tracingActive, tracingOff } from './start-tracing.ts';
export { contextFromCarrier, type TraceCarrier, traceCarrierOf, traceCarrierOfSpan, traceHeaders, traceIdOf } from './trace-context.ts';
export { defaultTracingUiUrl, type TracingSettings } from './tracing-settings.ts';
export { traceRequests } from './http-tracing.ts';
