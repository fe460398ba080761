import express, { type Request, type Response } from 'express';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import { bookingRequestSchema } from '../bookings/booking-request.ts';
import type { BookingService } from '../bookings/booking-service.ts';
import { bookingViewSchema } from '../bookings/booking-view.ts';
import { buildAsyncApiDocument } from '../events/asyncapi.ts';
import { newOfferSchema, offerListSchema, type OfferService, offerViewSchema } from '../offers/offer-service.ts';
import { checkDependencies } from '../metrics/dependency-checks.ts';
import { type TravelerTripsService, travelerTripsSchema } from '../read-model/traveler-trips.ts';
import { type CodecEndpointOptions, codecRouter } from './codec-endpoint.ts';
import { HttpError, errorHandler, notFoundHandler, parseOrReject, requireUtf8 } from './http-errors.ts';
import { buildOpenApiDocument } from './openapi.ts';
import { referencePageRouter } from './reference-page.ts';
import type { WalletService } from '../wallet/wallet-service.ts';
import { walletRouter } from './wallet-routes.ts';
import {
  bookingAcceptedSchema,
  bookingEventsSchema,
  cancelAcceptedSchema,
  cancelRequestSchema,
  emailSchema,
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
  /** Served as GET /metrics (Prometheus text format). */
  metrics: Registry;
  /** Each check resolves when its dependency answers and rejects with the reason when it does not. */
  readiness: { database: () => Promise<void>; temporal: () => Promise<void> };
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

export function createApp({ bookings, offers, trips, wallets, metrics, readiness, codec, log = console.error }: AppDependencies) {
  const app = express();
  app.disable('x-powered-by');
  // Before the API's own body parser: payloads from histories may be larger than its limit.
  if (codec) app.use(codecRouter(codec));
  app.use(express.json({ limit: '16kb', verify: requireUtf8 }));
  // Every path parameter is text under the input policy before any route looks it up (NUL reaches PostgreSQL otherwise).
  for (const name of ['id', 'email']) {
    app.param(name, (_req, _res, next, value: string) => {
      parseOrReject(pathParameterSchema, value, `params.${name}`);
      next();
    });
  }

  app.get('/healthz', (_req, res) => {
    reply(res, 200, healthSchema, { status: 'ok' });
  });

  app.get('/readyz', async (_req, res) => {
    const { ready, checks } = await checkDependencies(readiness);
    reply(res, ready ? 200 : 503, readinessSchema, { ready, checks: { database: checks.database ?? 'unchecked', temporal: checks.temporal ?? 'unchecked' } });
  });

  app.post('/offers', async (req, res) => {
    requireJson(req);
    const offer = await offers.create(parseOrReject(newOfferSchema, req.body));
    res.location(`/offers/${offer.id}`);
    reply(res, 201, offerViewSchema, offer);
  });

  app.get('/offers', async (_req, res) => {
    reply(res, 200, offerListSchema, { offers: await offers.list() });
  });

  app.get('/offers/:id', async (req, res) => {
    const offer = await offers.find(req.params.id);
    if (!offer) throw new HttpError(404, 'offer_not_found', `No offer ${req.params.id}`);
    reply(res, 200, offerViewSchema, offer);
  });

  app.post('/bookings', async (req, res) => {
    requireJson(req);
    const key = req.get('Idempotency-Key');
    const idempotencyKey = key === undefined ? undefined : parseOrReject(idempotencyKeySchema, key, 'headers.Idempotency-Key');
    const request = parseOrReject(bookingRequestSchema, req.body);
    const { booking, replayed } = await bookings.createBooking(request, idempotencyKey);
    res.location(`/bookings/${booking.id}`);
    if (replayed) res.set('Idempotent-Replayed', 'true');
    reply(res, 202, bookingAcceptedSchema, { bookingId: booking.id, status: booking.status as 'PENDING' });
  });

  app.get('/bookings/:id', async (req, res) => {
    reply(res, 200, bookingViewSchema, await bookings.getBooking(req.params.id));
  });

  app.post('/bookings/:id/cancel', async (req, res) => {
    const hasBody = Number(req.get('content-length') ?? 0) > 0 || req.get('transfer-encoding') !== undefined;
    if (hasBody) requireJson(req);
    const { reason } = parseOrReject(cancelRequestSchema, req.body ?? {});
    const state = await bookings.cancelBooking(req.params.id, reason);
    reply(res, 202, cancelAcceptedSchema, { bookingId: req.params.id, status: state.status });
  });

  app.get('/bookings/:id/events', async (req, res) => {
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

  app.get('/metrics', async (_req, res) => {
    res.type(metrics.contentType).send(await metrics.metrics());
  });

  app.use(notFoundHandler);
  app.use(errorHandler(log));
  return app;
}
