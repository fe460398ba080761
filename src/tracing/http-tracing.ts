import { context, ROOT_CONTEXT, SpanStatusCode, trace } from '@opentelemetry/api';
import type { RequestHandler } from 'express';
import { SpanKind, startSpan } from './spans.ts';
import { tracingActive } from './start-tracing.ts';
import { contextFromCarrier } from './trace-context.ts';

/**
 * A server span per request, the parent of whatever the request does (the booking's transaction, the workflow
 * start). It continues a caller's `traceparent` (the status-updates consumer calling back), else starts a trace.
 * Named by the route once Express has matched it (`POST /bookings`, `GET /bookings/:id`), so ids stay out of names.
 * With tracing off it is not a span at all: the request goes straight on.
 */
export function traceRequests(): RequestHandler {
  return (req, res, next) => {
    if (!tracingActive()) return next();
    const parent = contextFromCarrier({ traceparent: req.get('traceparent'), tracestate: req.get('tracestate') }, ROOT_CONTEXT);
    const span = startSpan(`${req.method}`, {
      kind: SpanKind.SERVER,
      parent,
      attributes: { 'http.request.method': req.method, 'url.path': req.path },
    });
    res.once('finish', () => {
      const route = (req.route as { path?: string } | undefined)?.path;
      if (route) {
        span.updateName(`${req.method} ${req.baseUrl}${route}`);
        span.setAttribute('http.route', `${req.baseUrl}${route}`);
      }
      span.setAttribute('http.response.status_code', res.statusCode);
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    });
    context.with(trace.setSpan(parent, span), next);
  };
}
