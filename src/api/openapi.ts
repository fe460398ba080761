import { z } from 'zod';
import { appVersion } from '../lib/app-version.ts';
import { jsonSchemaOptions, toJsonSchema } from '../lib/json-schema.ts';
import { bookingRequestSchema } from '../bookings/booking-request.ts';
import { bookingViewSchema } from '../bookings/booking-view.ts';
import { newOfferSchema, offerListSchema, offerViewSchema } from '../offers/offer-service.ts';
import { codecSessionCookie, payloadsSchema } from './codec-endpoint.ts';
import { errorBodySchema } from './http-errors.ts';
import {
  bookingAcceptedSchema,
  bookingEventsSchema,
  cancelAcceptedSchema,
  cancelRequestSchema,
  healthSchema,
  idempotencyKeySchema,
  readinessSchema,
} from './schemas.ts';
import { maxWaitSeconds } from './wait-preference.ts';
import { travelerTripsSchema } from '../read-model/traveler-trips.ts';
import { walletStatementSchema } from '../wallet/projections/wallet-statements-read.ts';
import { walletEventsSchema, walletViewSchema } from '../wallet/wallet-view.ts';
import { depositRequestSchema } from './wallet-schemas.ts';
import { bookingTimelineSchema } from '../timeline/timeline-view.ts';

/**
 * The schemas the routes validate with, by the name the document gives them. Generated in zod's "input" mode:
 * request schemas are strict objects (unknown fields are refused, additionalProperties: false), while response
 * objects stay open, so clients written from this document tolerate fields added later.
 */
const components = {
  NewOffer: newOfferSchema,
  Offer: offerViewSchema,
  OfferList: offerListSchema,
  BookingRequest: bookingRequestSchema,
  BookingAccepted: bookingAcceptedSchema,
  Booking: bookingViewSchema,
  CancelRequest: cancelRequestSchema,
  CancelAccepted: cancelAcceptedSchema,
  BookingEvents: bookingEventsSchema,
  BookingTimeline: bookingTimelineSchema,
  TravelerTrips: travelerTripsSchema,
  DepositRequest: depositRequestSchema,
  Wallet: walletViewSchema,
  WalletEvents: walletEventsSchema,
  WalletStatement: walletStatementSchema,
  Health: healthSchema,
  Readiness: readinessSchema,
  Payloads: payloadsSchema,
  Error: errorBodySchema,
} as const;

type ComponentName = keyof typeof components;

const ref = (name: ComponentName) => ({ $ref: `#/components/schemas/${name}` });
const json = (name: ComponentName) => ({ 'application/json': { schema: ref(name) } });

function errors(cases: Record<number, string>) {
  return Object.fromEntries(
    Object.entries({ ...cases, 500: '`internal_error`: something failed on our side (logged; no details in the body)' }).map(
      ([status, description]) => [status, { description, content: json('Error') }],
    ),
  );
}

/** Who may call a route, as the document says it; the app enforces it (src/api/app.ts) and the access test checks both. */
type Access = 'operator' | 'traveler' | 'signed-in' | 'own-booking' | 'own-booking-traveler' | 'own-traveler' | 'own-traveler-only';

const whoMay: Record<Access, string> = {
  operator: 'Operators only.',
  traveler: 'Travelers only, as themselves.',
  'signed-in': 'Any signed-in traveler or operator.',
  'own-booking': "The booking's traveler, or an operator. Another traveler's booking answers 404, as if it did not exist.",
  'own-booking-traveler': "The booking's traveler only. Another traveler's booking answers 404, as if it did not exist.",
  'own-traveler': 'That traveler, or an operator.',
  'own-traveler-only': "That traveler only: operators read a traveler's wallet but do not change it.",
};

const authErrors = {
  401: '`unauthenticated` (no token) or `invalid_token` (bad signature, expired, wrong issuer or audience); see WWW-Authenticate',
  403: '`forbidden`: the token is valid but its role may not do this',
};

/** The security requirement, the sentence on who may call, and the 401/403 answers of a protected route. */
function secured(access: Access, description?: string) {
  return {
    security: [{ bearerAuth: [] }],
    description: [description, `**Who:** ${whoMay[access]}`].filter(Boolean).join('\n\n'),
  };
}

const rateLimited = { 429: '`rate_limited`: too many writes from this caller; see Retry-After' };

const badBody = {
  400: '`invalid_request` (every offending field in `fields`, with its reason), `malformed_json`, or `invalid_encoding` (not UTF-8)',
  413: '`body_too_large`: over 16 KiB',
  415: '`unsupported_media_type`: send application/json',
};

const badPath = { 400: '`invalid_request`: the path parameter is not valid percent-encoded UTF-8, or breaks the input policy' };

const location = { Location: { description: 'where the created resource can be read', schema: { type: 'string' } } };
const emailParameter = { name: 'email', in: 'path', required: true, description: "the traveler's email (case-insensitive)", schema: { type: 'string', format: 'email' } };
const idParameter = (what: string) => ({ name: 'id', in: 'path', required: true, description: what, schema: { type: 'string' } });

function componentSchemas() {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(components)) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, { ...jsonSchemaOptions('draft-2020-12'), uri: (id) => `#/components/schemas/${id}` });
  return Object.fromEntries(Object.entries(schemas).map(([id, { $schema: _, $id: __, ...schema }]) => [id, schema]));
}

/** OpenAPI 3.1 for the HTTP API, built from the zod schemas its routes validate requests and responses with. */
export function buildOpenApiDocument(version = appVersion) {
  return {
    openapi: '3.1.0',
    info: {
      title: 'tripsaga booking API',
      version,
      description:
        'Book a trip (flight, hotel, optional car) as a durable saga. Bookings are accepted at once (202) and settle ' +
        'asynchronously: poll `GET /bookings/{id}`, or consume the events described in [/asyncapi.json](/asyncapi.json). ' +
        'Errors are `{ "error": { "code", "message", "fields"? } }`; a rejected request writes nothing.',
    },
    servers: [{ url: '/' }],
    tags: [
      { name: 'Offers', description: 'Supplier inventory a booking reserves from.' },
      { name: 'Bookings', description: 'Trips and their sagas.' },
      { name: 'Wallet', description: "The traveler's event-sourced wallet, which pays for the trips: its balance is the fold of its events." },
      { name: 'Operations', description: 'Liveness and readiness probes.' },
      { name: 'Documentation', description: 'This document, the event catalog, and this page.' },
    ],
    paths: {
      '/offers': {
        post: {
          operationId: 'createOffer',
          tags: ['Offers'],
          summary: 'Create an offer',
          ...secured('operator'),
          requestBody: { required: true, content: json('NewOffer') },
          responses: {
            201: { description: 'the offer, with all its units available', headers: location, content: json('Offer') },
            ...errors({ ...badBody, ...authErrors, ...rateLimited }),
          },
        },
        get: {
          operationId: 'listOffers',
          tags: ['Offers'],
          summary: 'List offers',
          ...secured('signed-in'),
          responses: { 200: { description: 'the offers, oldest first (at most 500)', content: json('OfferList') }, ...errors(authErrors) },
        },
      },
      '/offers/{id}': {
        get: {
          operationId: 'getOffer',
          tags: ['Offers'],
          summary: 'Read an offer',
          ...secured('signed-in'),
          parameters: [idParameter('the offer id (a UUID)')],
          responses: {
            200: { description: 'the offer and what is left of it', content: json('Offer') },
            ...errors({ ...authErrors, ...badPath, 404: '`offer_not_found`' }),
          },
        },
      },
      '/bookings': {
        post: {
          operationId: 'createBooking',
          tags: ['Bookings'],
          summary: 'Book a trip',
          ...secured(
            'traveler',
            'Accepts the booking and starts its saga. Offers that do not exist, or are of the wrong kind, are refused ' +
              "up front (422); sold-out offers are found by the saga, which then compensates. `traveler.email` must be the token's email (else 403).",
          ),
          parameters: [
            {
              name: 'Idempotency-Key',
              in: 'header',
              required: false,
              description: 'The same key with the same body returns the same booking and starts nothing; with another body it is 422.',
              schema: (({ $schema: _, ...schema }) => schema)(toJsonSchema(idempotencyKeySchema)),
            },
            {
              name: 'Prefer',
              in: 'header',
              required: false,
              description:
                `\`wait=N\` (RFC 7240; other preferences are ignored): wait up to N seconds (0-${maxWaitSeconds}) for the saga's outcome. ` +
                'If the saga settles in time the answer is 200 with the booking as it ended (CONFIRMED, COMPENSATED or CANCELLED), ' +
                'otherwise 202 as without it. The answer carries `Preference-Applied: wait=N`. A bad value is 400 naming `headers.Prefer`.',
              schema: { type: 'string', example: 'wait=5' },
            },
            {
              name: 'wait',
              in: 'query',
              required: false,
              description: 'The same as `Prefer: wait=N`, for clients that cannot set the header; both at once must agree. A bad value is 400 naming `query.wait`.',
              schema: { type: 'integer', minimum: 0, maximum: maxWaitSeconds },
            },
          ],
          requestBody: { required: true, content: json('BookingRequest') },
          responses: {
            200: {
              description: 'asked to wait, and the saga settled in time: the booking as it ended (the same body as GET /bookings/{id})',
              headers: { ...location, 'Preference-Applied': { description: 'the wait that was applied, e.g. `wait=5`', schema: { type: 'string' } } },
              content: json('Booking'),
            },
            202: {
              description: 'accepted; the saga runs',
              headers: {
                ...location,
                'Idempotent-Replayed': {
                  description: '`true` when this answers an earlier request with the same key',
                  schema: { type: 'string', const: 'true' },
                },
              },
              content: json('BookingAccepted'),
            },
            ...errors({
              ...badBody,
              ...authErrors,
              422: '`offer_not_bookable` (with the offending `fields`) or `idempotency_key_reused`',
              429: '`rate_limited` (too many writes from this caller) or `too_many_running_sagas` (this traveler has too many bookings in progress); see Retry-After',
            }),
          },
        },
      },
      '/bookings/{id}': {
        get: {
          operationId: 'getBooking',
          tags: ['Bookings'],
          summary: 'Read a booking',
          ...secured('own-booking', 'What a consumer of `booking.status-changed` calls back for the details.'),
          parameters: [idParameter('the booking id (`bk_…`), also its saga workflow id')],
          responses: {
            200: { description: "the booking, each reservation, and the saga's progress as its committed steps record it", content: json('Booking') },
            ...errors({ ...authErrors, ...badPath, 404: '`booking_not_found`' }),
          },
        },
      },
      '/bookings/{id}/cancel': {
        post: {
          operationId: 'cancelBooking',
          tags: ['Bookings'],
          summary: 'Cancel a booking',
          ...secured('own-booking-traveler', 'Works while the saga runs and after confirmation, within the cancellation window. The body is optional.'),
          parameters: [idParameter('the booking id')],
          requestBody: { required: false, content: json('CancelRequest') },
          responses: {
            202: { description: 'the saga accepted the cancellation and is undoing the trip', content: json('CancelAccepted') },
            ...errors({
              ...badBody,
              ...authErrors,
              ...rateLimited,
              404: '`booking_not_found`',
              409: '`nothing_to_cancel`: already undone, or the cancellation window has closed',
              503: '`saga_unavailable`: the saga cannot be reached right now; try again',
            }),
          },
        },
      },
      '/bookings/{id}/events': {
        get: {
          operationId: 'listBookingEvents',
          tags: ['Bookings'],
          summary: "List a booking's outbox events",
          ...secured('own-booking', 'In commit order, each with the schema version its data was written in (see /asyncapi.json).'),
          parameters: [idParameter('the booking id')],
          responses: { 200: { description: 'the events', content: json('BookingEvents') }, ...errors({ ...authErrors, ...badPath, 404: '`booking_not_found`' }) },
        },
      },
      '/bookings/{id}/timeline': {
        get: {
          operationId: 'getBookingTimeline',
          tags: ['Bookings'],
          summary: 'Everything that happened to a booking, in time order',
          ...secured(
            'own-booking',
            'From the records every coordination leaves: the request (the booking row and its Idempotency-Key), the ' +
              "saga's steps from its Temporal history when a workflow has the booking's id (with links into the Temporal " +
              'Web UI), each outbox event with its publish time and JetStream stream sequence, and each consumer\'s apply ' +
              'from its inbox. `workflow.state` says whether a workflow was found. Answered with `Cache-Control: no-store`.',
          ),
          parameters: [idParameter('the booking id')],
          responses: {
            200: { description: 'the timeline', content: json('BookingTimeline') },
            ...errors({ ...authErrors, ...badPath, 404: '`booking_not_found`' }),
          },
        },
      },
      '/bookings/{id}/timeline.html': {
        get: {
          operationId: 'bookingTimelinePage',
          tags: ['Bookings'],
          summary: 'The timeline as a page for a browser',
          description:
            'The page holds no data and is the same for every booking, so it needs no token; its script reads ' +
            '`GET /bookings/{id}/timeline` with the token given in the fragment (`#token=…`, never sent to a server) or ' +
            'typed into the page, under the same rules as that route.',
          parameters: [idParameter('the booking id')],
          responses: { 200: { description: 'an HTML page', content: { 'text/html': { schema: { type: 'string' } } } } },
        },
      },
      '/travelers/{email}/trips': {
        get: {
          operationId: 'listTravelerTrips',
          tags: ['Read model'],
          summary: "A traveler's trips, from the CQRS read model",
          ...secured('own-traveler', "Built only from events by the trip-summaries consumer, so it trails the bookings by the event pipeline's lag."),
          parameters: [{ name: 'email', in: 'path', required: true, description: "the traveler's email", schema: { type: 'string', format: 'email' } }],
          responses: { 200: { description: 'the trips, newest first', content: json('TravelerTrips') }, ...errors({ ...authErrors, 400: '`invalid_request`: not an email' }) },
        },
      },
      '/travelers/{email}/wallet/deposits': {
        post: {
          operationId: 'depositIntoWallet',
          tags: ['Wallet'],
          summary: "Pay money into a traveler's wallet",
          ...secured(
            'own-traveler-only',
            'Appends `wallet.deposited` to the wallet\'s stream (a new traveler\'s wallet opens first, with its opening credit). ' +
            'Amounts are minor units of EUR.',
          ),
          parameters: [
            emailParameter,
            {
              name: 'Idempotency-Key',
              in: 'header',
              required: false,
              description: 'The same key with the same body deposits nothing more and returns the wallet; with another body it is 422.',
              schema: (({ $schema: _, ...schema }) => schema)(toJsonSchema(idempotencyKeySchema)),
            },
          ],
          requestBody: { required: true, content: json('DepositRequest') },
          responses: {
            201: {
              description: 'the wallet after the deposit, computed from its events',
              headers: {
                ...location,
                'Idempotent-Replayed': { description: '`true` when this answers an earlier request with the same key', schema: { type: 'string', const: 'true' } },
              },
              content: json('Wallet'),
            },
            ...errors({ ...authErrors, ...badBody, ...rateLimited, 422: '`idempotency_key_reused`, or `deposit_refused` (the wallet would hold more than 10 000 000.00)' }),
          },
        },
      },
      '/travelers/{email}/wallet': {
        get: {
          operationId: 'getWallet',
          tags: ['Wallet'],
          summary: "A traveler's wallet: balance, version, open charges",
          ...secured('own-traveler', 'Computed when asked from the latest snapshot and the events after it; no column holds the balance.'),
          parameters: [emailParameter],
          responses: {
            200: { description: 'the wallet', content: json('Wallet') },
            ...errors({ ...authErrors, 400: '`invalid_request`: not an email', 404: '`wallet_not_found`: no deposit or booking yet' }),
          },
        },
      },
      '/travelers/{email}/wallet/events': {
        get: {
          operationId: 'listWalletEvents',
          tags: ['Wallet'],
          summary: "The wallet's stream, in order",
          ...secured('own-traveler', 'Every event with its stream and global positions and the version it was written in (data upcast to the newest).'),
          parameters: [emailParameter],
          responses: {
            200: { description: 'the events', content: json('WalletEvents') },
            ...errors({ ...authErrors, 400: '`invalid_request`: not an email', 404: '`wallet_not_found`' }),
          },
        },
      },
      '/travelers/{email}/wallet/statement': {
        get: {
          operationId: 'getWalletStatement',
          tags: ['Read model'],
          summary: "A traveler's wallet statement, from the read model",
          ...secured('own-traveler', "One line per wallet event with the balance after it, built by the wallet-statements consumer from the events the relay publishes; it trails the wallet by the pipeline's lag."),
          parameters: [emailParameter],
          responses: { 200: { description: 'the lines, oldest first (empty for an unknown traveler)', content: json('WalletStatement') }, ...errors({ ...authErrors, 400: '`invalid_request`: not an email' }) },
        },
      },
      ...Object.fromEntries(
        (['decode', 'encode'] as const).map((direction) => [
          `/codec/${direction}`,
          {
            post: {
              operationId: `codec${direction === 'decode' ? 'Decode' : 'Encode'}`,
              tags: ['Operations'],
              summary: direction === 'decode' ? 'Decrypt Temporal payloads (codec server)' : 'Encrypt Temporal payloads (codec server)',
              description:
                'The Temporal codec server protocol, for the Web UI and the `temporal` CLI. Operators only: ' +
                `\`Authorization: Bearer <token>\` or the \`${codecSessionCookie}\` cookie from \`POST /codec/session\`.`,
              parameters: [{ name: 'X-Namespace', in: 'header', required: false, description: 'sent by the Web UI', schema: { type: 'string' } }],
              requestBody: { required: true, content: json('Payloads') },
              responses: {
                200: { description: 'the payloads, in the same order', content: json('Payloads') },
                ...errors({
                  400: '`invalid_request`, `malformed_json` or `invalid_encoding`',
                  401: '`unauthenticated`: no token, or not a valid one',
                  413: '`body_too_large`: over 4 MiB',
                  415: '`unsupported_media_type`',
                  422: '`undecodable_payload`: a key is missing from the key ring, or a payload failed its integrity check',
                }),
              },
            },
          },
        ]),
      ),
      '/codec/session': {
        get: {
          operationId: 'codecSessionPage',
          tags: ['Operations'],
          summary: 'A page where an operator starts a codec session for the Web UI',
          responses: { 200: { description: 'an HTML page', content: { 'text/html': { schema: { type: 'string' } } } } },
        },
        post: {
          operationId: 'startCodecSession',
          tags: ['Operations'],
          summary: 'Trade the bearer token for a session cookie the Web UI sends along',
          description: `Sets \`${codecSessionCookie}\` (HttpOnly, SameSite=Strict, Path=/codec, 12 hours).`,
          responses: { 204: { description: 'the session is set' }, ...errors({ 401: '`unauthenticated`' }) },
        },
        delete: {
          operationId: 'endCodecSession',
          tags: ['Operations'],
          summary: 'End the codec session',
          responses: { 204: { description: 'the cookie is cleared' } },
        },
      },
      '/metrics': {
        get: {
          operationId: 'metrics',
          tags: ['Operations'],
          summary: 'Event pipeline metrics',
          description:
            'Outbox backlog, relay and consumer lag and counts, in Prometheus text format.\n\n**Who:** anyone, for scrapers ' +
            'and probes; with `METRICS_ACCESS=operator`, operators only.',
          security: [{}, { bearerAuth: [] }],
          responses: {
            200: { description: 'Prometheus exposition format', content: { 'text/plain': { schema: { type: 'string' } } } },
            ...errors({ ...authErrors }),
          },
        },
      },
      '/healthz': {
        get: {
          operationId: 'health',
          tags: ['Operations'],
          summary: 'Liveness',
          responses: { 200: { description: 'the process is alive', content: json('Health') } },
        },
      },
      '/readyz': {
        get: {
          operationId: 'readiness',
          tags: ['Operations'],
          summary: 'Readiness',
          responses: {
            200: { description: 'the database and Temporal answer', content: json('Readiness') },
            503: { description: 'a dependency does not answer; `checks` says which and why', content: json('Readiness') },
          },
        },
      },
      '/openapi.json': {
        get: {
          operationId: 'openApiDocument',
          tags: ['Documentation'],
          summary: 'This OpenAPI 3.1 document',
          responses: { 200: { description: 'the document', content: { 'application/json': { schema: { type: 'object' } } } } },
        },
      },
      '/asyncapi.json': {
        get: {
          operationId: 'asyncApiDocument',
          tags: ['Documentation'],
          summary: 'The AsyncAPI 3.0 catalog of the events the service publishes',
          responses: { 200: { description: 'the document', content: { 'application/json': { schema: { type: 'object' } } } } },
        },
      },
      '/docs': {
        get: {
          operationId: 'referencePage',
          tags: ['Documentation'],
          summary: 'A readable reference of this API (works offline)',
          responses: { 200: { description: 'an HTML page', content: { 'text/html': { schema: { type: 'string' } } } } },
        },
      },
    },
    components: {
      schemas: componentSchemas(),
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            'A JWT from the identity provider (or, with `npm start`, one it prints or `npm run token` mints). The `role` ' +
            'claim is `traveler` (with the traveler\'s `email`) or `operator`.',
        },
      },
    },
  };
}
