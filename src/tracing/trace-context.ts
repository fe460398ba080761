import { type Context, context, ROOT_CONTEXT, type Span, trace, type TextMapGetter, type TextMapSetter } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

/**
 * A trace context as it travels outside a process: the W3C `traceparent` and `tracestate` values, the same in an
 * HTTP header, an outbox row and a CloudEvent's distributed-tracing extension attributes.
 */
export interface TraceCarrier {
  traceparent?: string;
  tracestate?: string;
}

// The W3C propagator itself, not the global one: with tracing off the global propagator is a no-op, and a relay
// without tracing must still pass on the context that a traced producer stored with its row.
const w3c = new W3CTraceContextPropagator();

const setter: TextMapSetter<TraceCarrier> = {
  set: (carrier, key, value) => {
    if (key === 'traceparent' || key === 'tracestate') carrier[key] = value;
  },
};
const getter: TextMapGetter<TraceCarrier> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => (key === 'traceparent' || key === 'tracestate' ? carrier[key] : undefined),
};

/** The carrier of a context's span (the active one by default); undefined when there is none to continue. */
export function traceCarrierOf(ctx: Context = context.active()): TraceCarrier | undefined {
  if (!trace.getSpanContext(ctx)) return undefined;
  const carrier: TraceCarrier = {};
  w3c.inject(ctx, carrier, setter);
  return carrier.traceparent ? carrier : undefined;
}

/**
 * The carrier of a span itself, whatever the active context is. With tracing off there is no context manager, so a
 * span is never the active one; the no-op span made under a stored parent still carries that parent's context.
 */
export function traceCarrierOfSpan(span: Span): TraceCarrier | undefined {
  return traceCarrierOf(trace.setSpan(ROOT_CONTEXT, span));
}

/** The context a carrier names, to parent spans on; the empty context when it names none (or is malformed). */
export function contextFromCarrier(
  carrier: { traceparent?: string | null; tracestate?: string | null } | undefined,
  base: Context = ROOT_CONTEXT,
): Context {
  if (!carrier?.traceparent) return base;
  return w3c.extract(base, { traceparent: carrier.traceparent, ...(carrier.tracestate ? { tracestate: carrier.tracestate } : {}) }, getter);
}

/** The trace id of a `traceparent` (version-traceid-spanid-flags), if it is well formed. */
export function traceIdOf(traceparent: string | null | undefined): string | undefined {
  const match = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/.exec(traceparent ?? '');
  return match && !/^0+$/.test(match[1]!) ? match[1] : undefined;
}

/** HTTP headers carrying the active context, for a call that should continue the trace (empty when there is none). */
export function traceHeaders(): Record<string, string> {
  const carrier = traceCarrierOf();
  if (!carrier?.traceparent) return {};
  return { traceparent: carrier.traceparent, ...(carrier.tracestate ? { tracestate: carrier.tracestate } : {}) };
}
