import { type Attributes, type Context, context, type Link, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';

/**
 * tripsaga's own spans, on the global tracer: the SDK's when a process started tracing (start-tracing.ts), else the
 * API's no-op tracer, whose spans record nothing and cost a function call.
 */
const tracer = () => trace.getTracer('tripsaga');

export { SpanKind };

export interface SpanOptions {
  kind?: SpanKind;
  attributes?: Attributes;
  /** The parent; the active context when absent. */
  parent?: Context;
  links?: Link[];
}

/** Runs `fn` inside a new active span, recording a thrown error on it, and ends it however `fn` ends. */
export async function inSpan<T>(name: string, options: SpanOptions, fn: (span: Span) => Promise<T>): Promise<T> {
  const parent = options.parent ?? context.active();
  return tracer().startActiveSpan(name, { kind: options.kind, attributes: options.attributes, links: options.links }, parent, async (span) => {
    try {
      return await fn(span);
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
      throw error;
    } finally {
      span.end();
    }
  });
}

/** Starts a span that the caller ends (an HTTP request ends when its response is sent, not when a function returns). */
export function startSpan(name: string, options: SpanOptions): Span {
  return tracer().startSpan(name, { kind: options.kind, attributes: options.attributes, links: options.links }, options.parent ?? context.active());
}
