import type { RequestHandler } from 'express';
import { Histogram, type Registry } from 'prom-client';

/** Seconds: a read answered from an index up to a request that waited on a slow dependency. */
const durationBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

const knownMethods = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** Every app over one registry counts into the same series (tests build several apps over one set of services). */
const histograms = new WeakMap<Registry, Histogram<'method' | 'route' | 'status_class'>>();

function histogramIn(registry: Registry) {
  let histogram = histograms.get(registry);
  if (!histogram) {
    histogram = new Histogram({
      name: 'tripsaga_http_request_duration_seconds',
      help: 'API requests by method, route template and status class, from the first byte read to the last byte written (_count is the request rate)',
      labelNames: ['method', 'route', 'status_class'] as const,
      buckets: durationBuckets,
      registers: [registry],
    });
    histograms.set(registry, histogram);
  }
  return histogram;
}

/**
 * Times every request and labels it with the route template it matched (`/bookings/:id`), never the path it asked
 * for: ids in paths would make a series per booking. A request answered before any route matched (an unknown path,
 * the write limit, a traveler guard in front of a router) is `unmatched`; a client that hung up first is `aborted`.
 */
export function httpMetrics(registry: Registry): RequestHandler {
  const histogram = histogramIn(registry);
  return (req, res, next) => {
    const stop = histogram.startTimer();
    res.once('close', () => {
      const template: unknown = req.route?.path;
      stop({
        method: knownMethods.has(req.method) ? req.method : 'OTHER',
        route: typeof template === 'string' ? `${req.baseUrl}${template}` : 'unmatched',
        status_class: res.writableFinished ? `${Math.floor(res.statusCode / 100)}xx` : 'aborted',
      });
    });
    next();
  };
}
