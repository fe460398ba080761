import cors from 'cors';
import express, { type Request, type RequestHandler, type Response } from 'express';
import type { Store } from 'express-rate-limit';
import helmet from 'helmet';
import type { Registry } from 'prom-client';
import type { z } from 'zod';
import { bookingRequestSchema } from '../bookings/booking-request.ts';
import type { BookingService } from '../bookings/booking-service.ts';
import { bookingViewSchema } from '../bookings/booking-view.ts';
import { buildAsyncApiDocument } from '../events/asyncapi.ts';
import { newOfferSchema, offerListSchema, type OfferService, offerViewSchema } from '../offers/offer-service.ts';
import { checkDependencies } from '../metrics/dependency-checks.ts';
import { httpMetrics } from '../metrics/http-metrics.ts';
import { type TravelerTripsService, travelerTripsSchema } from '../read-model/traveler-trips.ts';
import { authenticate, type Guard, principalOf, requireRole } from '../auth/http.ts';
import { mayRead, sameEmail } from '../auth/principal.ts';
import type { TokenVerifier } from '../auth/verify-token.ts';
import { writeRateLimit } from './rate-limit.ts';
import { requestIds } from './request-id.ts';
import { type CodecEndpointOptions, codecRouter } from './codec-endpoint.ts';
import { emailSchema } from '../lib/input-policy.ts';
import { waitSeconds } from './wait-preference.ts';
import { HttpError, errorHandler, notFoundHandler, parseOrReject, requireUtf8 } from './http-errors.ts';
import { buildOpenApiDocument } from './openapi.ts';
import { referencePageRouter } from './reference-page.ts';
import type { WalletService } from '../wallet/wallet-service.ts';
import { bookingTimelineSchema } from '../timeline/timeline-view.ts';
import type { BookingTimelineService } from '../timeline/booking-timeline.ts';
import { sendTimelinePage, timelineScriptRouter } from './timeline-page.ts';
import { walletRouter } from './wallet-routes.ts';
import { traceRequests } from '../tracing/index.ts';
import {
  bookingAcceptedSchema,
  bookingEventsSchema,
  cancelAcceptedSchema,
  cancelRequestSchema,
  healthSchema,
  idempotencyKeySchema,
  pathParameterSchema,
  readinessSchema,
  travelerEmailSchema,
} from './schemas.ts';

export interface AppDependencies {
  bookings: BookingService;
  offers: OfferService;
  /** The read model (CQRS query side), built from events by the trip-summaries consumer. */
  trips: TravelerTripsService;
  /** The traveler's event-sourced wallet (src/wallet). */
  wallets: WalletService;
  /** Each booking's timeline, from the database and the saga's history (src/timeline). */
  timelines: BookingTimelineService;
  /** Served as GET /metrics (Prometheus text format), with the API's request metrics. */
  metrics: Registry;
  /** More Prometheus text for GET /metrics, e.g. the metrics of the worker that runs in the same process (`npm start`). */
  moreMetrics?: () => Promise<string>;
  /** Each check resolves when its dependency answers and rejects with the reason when it does not. */
  readiness: { database: () => Promise<void>; temporal: () => Promise<void> };
  /** Checks the bearer tokens (see src/auth/). */
  auth: TokenVerifier;
  /** Writes per caller per window (0: none), counted in `store` when several API processes share it. */
  writeLimit?: { limit: number; windowSeconds: number; store?: Store };
  /** Origins a browser may call the API from; none (the default) sends no CORS headers. */
  corsOrigins?: string[];
  /** `operator`: GET /metrics needs an operator token; `open` (default): probes and scrapers read it freely. */
  metricsAccess?: 'open' | 'operator';
  /** Express's `trust proxy`, so the address a limit counts is the client's, not the proxy's. */
  trustProxy?: boolean | number | string;
  /** Access logging (one line per request, with its request id); none by default. */
  accessLog?: RequestHandler;
  /** Serve the Temporal codec endpoint (POST /codec/decode, /codec/encode) for the Web UI. */
  codec?: CodecEndpointOptions;
  log?: (line: string) => void;
}

/** Responses go through their schema too: a response that breaks its documented shape is a bug we want to see. */
function reply<S extends z.ZodType>(res: Response, status: number, schema: S, body: z.input<S>) {
  res.status(status).json(schema.parse(body));
}

function requireJson(req: Request) {
  if (!req.is('application/json')) throw new HttpError(415, 'unsupported_media_type', 'Send the body as application/json');
}

const anyone = requireRole('traveler', 'operator');

export function createApp(deps: AppDependencies) {
  const { bookings, offers, trips, wallets, timelines, metrics, readiness, codec, log = console.error } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.trustProxy ?? false);
  // First, so the request's span is the parent of everything it does (a no-op when the process does not trace).
  app.use(traceRequests());
  app.use(requestIds());
  app.use(httpMetrics(metrics));
  if (deps.accessLog) app.use(deps.accessLog);
  app.use(helmet());
  if (deps.corsOrigins?.length) {
    app.use(
      cors({
        origin: deps.corsOrigins,
        allowedHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'X-Request-Id'],
        exposedHeaders: ['Location', 'Retry-After', 'RateLimit', 'RateLimit-Policy', 'Idempotent-Replayed', 'X-Request-Id'],
        maxAge: 600,
      }),
    );
  }
  // Before the API's own body parser: payloads from histories may be larger than its limit. It checks its callers
  // itself, and its POSTs are reads: the write limit below does not count them.
  if (codec) app.use(codecRouter(codec));
  // Who is calling comes before the limiter (it counts per token subject) and before any body is read.
  app.use(authenticate(deps.auth));
  app.use(writeRateLimit({ limit: 0, windowSeconds: 60, ...deps.writeLimit, log }));
  app.use(express.json({ limit: '16kb', verify: requireUtf8 }));
  // Every path parameter is text under the input policy before any route looks it up (NUL reaches PostgreSQL otherwise).
  for (const name of ['id', 'email']) {
    app.param(name, (_req, _res, next, value: string) => {
      parseOrReject(pathParameterSchema, value, `params.${name}`);
      next();
    });
  }

  /** A traveler sees only their own bookings; anyone else's answers as if it did not exist. */
  const ownBooking: Guard = async (req, res, next) => {
    const principal = principalOf(res);
    if (principal.role === 'traveler') {
      const owner = await bookings.travelerOf(req.params.id!);
      if (owner === undefined || !sameEmail(owner, principal.email)) throw new HttpError(404, 'booking_not_found', 'No such booking');
    }
    next();
  };

  // Everything under /travelers/:email (trips, and what else a traveler owns): the traveler, or an operator reading.
  app.use('/travelers/:email', anyone, (req, res, next) => {
    const principal = principalOf(res);
    if (principal.role === 'operator' && req.method !== 'GET' && req.method !== 'HEAD') {
      throw new HttpError(403, 'forbidden', 'Operators read travelers; only the traveler changes what is theirs');
    }
    if (!mayRead(principal, String(req.params.email))) throw new HttpError(403, 'forbidden', "A traveler sees only their own; this is another traveler's");
    next();
  });

  app.get('/healthz', (_req, res) => {
    reply(res, 200, healthSchema, { status: 'ok' });
  });

  app.get('/readyz', async (_req, res) => {
    const { ready, checks } = await checkDependencies(readiness);
    reply(res, ready ? 200 : 503, readinessSchema, { ready, checks: { database: checks.database ?? 'unchecked', temporal: checks.temporal ?? 'unchecked' } });
  });

  app.post('/offers', requireRole('operator'), async (req, res) => {
    requireJson(req);
    const offer = await offers.create(parseOrReject(newOfferSchema, req.body));
    res.location(`/offers/${offer.id}`);
    reply(res, 201, offerViewSchema, offer);
  });

  app.get('/offers', anyone, async (_req, res) => {
    reply(res, 200, offerListSchema, { offers: await offers.list() });
  });

  app.get('/offers/:id', anyone, async (req, res) => {
    const offer = await offers.find(req.params.id);
    if (!offer) throw new HttpError(404, 'offer_not_found', 'No such offer');
    reply(res, 200, offerViewSchema, offer);
  });

  app.post('/bookings', requireRole('traveler'), async (req, res) => {
    requireJson(req);
    const key = req.get('Idempotency-Key');
    const idempotencyKey = key === undefined ? undefined : parseOrReject(idempotencyKeySchema, key, 'headers.Idempotency-Key');
    const request = parseOrReject(bookingRequestSchema, req.body);
    const wait = waitSeconds(req.get('Prefer'), req.query.wait);
    const principal = principalOf(res);
    if (principal.role === 'traveler' && !sameEmail(request.traveler.email, principal.email)) {
      throw new HttpError(403, 'forbidden', 'A traveler books only as themselves', [
        { path: 'traveler.email', reason: 'must be the email of the signed-in traveler' },
      ]);
    }
    const { booking, replayed, settled } = await bookings.createBooking(request, idempotencyKey, wait * 1000);
    res.location(`/bookings/${booking.id}`);
    if (replayed) res.set('Idempotent-Replayed', 'true');
    if (wait > 0) res.set('Preference-Applied', `wait=${wait}`);
    if (settled) return reply(res, 200, bookingViewSchema, settled);
    reply(res, 202, bookingAcceptedSchema, { bookingId: booking.id, status: booking.status as 'PENDING' });
  });

  // The ownership check reads the traveler from the view itself: one read of the booking instead of two.
  app.get('/bookings/:id', anyone, async (req, res) => {
    const principal = principalOf(res);
    const view = await bookings.getBooking(req.params.id);
    if (principal.role === 'traveler' && !sameEmail(view.traveler.email, principal.email)) throw new HttpError(404, 'booking_not_found', 'No such booking');
    reply(res, 200, bookingViewSchema, view);
  });

  app.post('/bookings/:id/cancel', requireRole('traveler'), ownBooking, async (req, res) => {
    const hasBody = Number(req.get('content-length') ?? 0) > 0 || req.get('transfer-encoding') !== undefined;
    if (hasBody) requireJson(req);
    const { reason } = parseOrReject(cancelRequestSchema, req.body ?? {});
    const state = await bookings.cancelBooking(req.params.id, reason);
    reply(res, 202, cancelAcceptedSchema, { bookingId: req.params.id, status: state.status });
  });

  app.get('/bookings/:id/events', anyone, ownBooking, async (req, res) => {
    const events = await bookings.listEvents(req.params.id);
    reply(res, 200, bookingEventsSchema, {
      bookingId: req.params.id,
      events: events.map((e) => ({
        id: e.id,
        position: e.position.toString(),
        sequence: e.sequence,
        type: e.type,
        schemaVersion: e.schemaVersion,
        occurredAt: e.occurredAt.toISOString(),
        publishedAt: e.publishedAt?.toISOString() ?? null,
        data: e.data as Record<string, unknown>,
      })),
    });
  });

  app.get('/bookings/:id/timeline', anyone, ownBooking, async (req, res) => {
    // Personal data behind a token: no cache keeps it.
    res.set('Cache-Control', 'no-store');
    reply(res, 200, bookingTimelineSchema, await timelines.timelineOf(req.params.id));
  });

  // The page holds no data and is the same for every booking: its script asks the route above with the token.
  app.get('/bookings/:id/timeline.html', sendTimelinePage);
  app.use(timelineScriptRouter());

  // The contracts, generated from the same schemas the routes and the producers validate with.
  const openApiDocument = buildOpenApiDocument();
  const asyncApiDocument = buildAsyncApiDocument();
  app.get('/openapi.json', (_req, res) => {
    res.json(openApiDocument);
  });
  app.get('/asyncapi.json', (_req, res) => {
    res.json(asyncApiDocument);
  });
  app.use(referencePageRouter());

  app.get('/travelers/:email/trips', async (req, res) => {
    const email = parseOrReject(emailSchema, req.params.email, 'params.email');
    reply(res, 200, travelerTripsSchema, await trips.tripsOf(email));
  });

  app.use(walletRouter(wallets));

  const metricsGuard: Guard = deps.metricsAccess === 'operator' ? requireRole('operator') : (_req, _res, next) => next();
  app.get('/metrics', metricsGuard, async (_req, res) => {
    const more = deps.moreMetrics ? [await deps.moreMetrics().catch(() => '')] : [];
    res.type(metrics.contentType).send([await metrics.metrics(), ...more].join('\n'));
  });

  app.use(notFoundHandler);
  app.use(errorHandler(log));
  return app;
}
