import { CloudEvent as SdkCloudEvent } from 'cloudevents';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve } from '../src/api/serve.ts';
import { eventCatalog, isKnownEventType } from '../src/events/catalog.ts';
import { createEventDecoder, decodeEvent } from '../src/events/decode.ts';
import { EventDecodeError } from '../src/events/decode-error.ts';
import { readPublishedSchemas } from '../src/events/schema-files.ts';
import { createBookingApiClient } from '../src/consumers/status-updates/booking-api-client.ts';
import { handleBookingStatusChanged, notificationFor } from '../src/consumers/status-updates/trip-notifications.ts';
import { appendOutboxEvent } from '../src/outbox/append-event.ts';
import { toCloudEvent } from '../src/events/cloud-event.ts';
import { EventType } from '../src/events/event-types.ts';
import { driveChoreography } from './support/choreography-driver.ts';
import { type Harness, startHarness } from './support/harness.ts';

let h: Harness;
let cancelledTrip: string;
let compensatedTrip: string;
beforeAll(async () => {
  h = await startHarness();
  const offers = await h.tripOffers();
  cancelledTrip = await h.book(h.request({ flight: offers.flight.id, hotel: offers.hotel.id, car: offers.car.id }, 2, 1));
  await h.waitForStatus(cancelledTrip, 'CONFIRMED');
  await h.bookings.cancelBooking(cancelledTrip, 'plans changed');
  await h.waitForStatus(cancelledTrip, 'CANCELLED');
  const soldOut = await h.offer('car', 0);
  compensatedTrip = await h.book(h.request({ flight: offers.flight.id, hotel: offers.hotel.id, car: soldOut.id }));
  await h.waitForStatus(compensatedTrip, 'COMPENSATED');
  // The choreography's own events: a trip without a car confirmed and cancelled, then a refusal at each step.
  const choreographed = async (request: ReturnType<typeof h.request>) => {
    const id = await h.book({ ...request, coordination: 'choreography' });
    await driveChoreography(h, id);
    return id;
  };
  const noCar = await choreographed(h.request({ flight: offers.flight.id, hotel: offers.hotel.id }));
  await h.bookings.cancelBooking(noCar, 'plans changed');
  await driveChoreography(h, noCar);
  const full = await h.offer('flight', 0);
  const noRoom = await h.offer('hotel', 0);
  const pricey = await h.offer('flight', 5, undefined, 600_000);
  await choreographed(h.request({ flight: full.id, hotel: offers.hotel.id }));
  await choreographed(h.request({ flight: offers.flight.id, hotel: noRoom.id }));
  await choreographed(h.request({ flight: offers.flight.id, hotel: offers.hotel.id, car: soldOut.id }));
  await choreographed(h.request({ flight: pricey.id, hotel: offers.hotel.id }));
  // The wallet's deposit is the one type a trip never writes.
  await h.wallets.deposit(`deposit+${cancelledTrip}@example.com`, { amount: 2_500, currency: 'EUR' });
});
afterAll(async () => {
  await h?.stop();
});

const rowsOf = (bookingId: string) => h.prisma.outboxEvent.findMany({ where: { aggregateId: bookingId }, orderBy: { position: 'asc' } });

describe('events as the producers store them', () => {
  it('every stored event validates against the schema of its declared version, in zod and in the published file', async () => {
    const published = readPublishedSchemas();
    const ajv = new Ajv2020({ strict: true, allErrors: true });
    const rows = await h.prisma.outboxEvent.findMany();
    expect(new Set(rows.map((r) => r.type)).size).toBe(Object.keys(eventCatalog).length);
    for (const row of rows) {
      expect(isKnownEventType(row.type), row.type).toBe(true);
      const schema = eventCatalog[row.type as EventType].schemaOf(row.schemaVersion);
      const result = schema!.safeParse(row.data);
      expect(result.success, `${row.type} v${row.schemaVersion}: ${result.error?.message}`).toBe(true);
      const file = published.get(row.type)!.get(row.schemaVersion)!;
      const validate = ajv.getSchema(file.$id as string) ?? ajv.compile(file);
      expect(validate(row.data), `${row.type} v${row.schemaVersion}: ${ajv.errorsText(validate.errors)}`).toBe(true);
    }
  });

  it('producers write the newest version of every type', async () => {
    for (const row of [...(await rowsOf(cancelledTrip)), ...(await rowsOf(compensatedTrip))]) {
      expect(row.schemaVersion, row.type).toBe(eventCatalog[row.type as EventType].latestVersion);
    }
  });

  it('each row becomes a CloudEvent the CloudEvents SDK accepts and decodeEvent reads back unchanged', async () => {
    for (const row of await rowsOf(cancelledTrip)) {
      const cloudEvent = toCloudEvent(row);
      expect(() => new SdkCloudEvent({ ...cloudEvent }, true).validate()).not.toThrow();
      const decoded = decodeEvent(JSON.stringify(cloudEvent));
      expect(decoded).toMatchObject({ id: row.id, type: row.type, subject: cancelledTrip, writtenVersion: row.schemaVersion });
      expect(decoded.data).toEqual(row.data);
    }
  });

  it('booking.confirmed carries the full state, with its total; booking.status-changed only the id', async () => {
    const rows = await rowsOf(cancelledTrip);
    const confirmed = rows.find((r) => r.type === EventType.bookingConfirmed)!;
    expect(confirmed.data).toMatchObject({
      status: 'CONFIRMED',
      traveler: { name: 'Ada Lovelace' },
      reservations: [{ kind: 'flight', quantity: 2, amount: 20_000 }, { kind: 'hotel' }, { kind: 'car' }],
      total: { amount: 40_000, currency: 'EUR' },
    });
    for (const notification of rows.filter((r) => r.type === EventType.bookingStatusChanged)) {
      expect(notification.data).toEqual({ bookingId: cancelledTrip });
    }
  });

  it('booking.status-changed is written with every status change, in its transaction, right after the change', async () => {
    for (const bookingId of [cancelledTrip, compensatedTrip]) {
      const rows = await rowsOf(bookingId);
      const changes = rows.filter((r) => /booking\.(requested|confirmed|compensated|cancelled)$/.test(r.type));
      expect(rows.filter((r) => r.type === EventType.bookingStatusChanged)).toHaveLength(changes.length);
      for (const change of changes) {
        const next = rows[rows.indexOf(change) + 1]!;
        expect(next.type).toBe(EventType.bookingStatusChanged);
        expect(next.position).toBe(change.position + 1n);
        expect(next.occurredAt).toEqual(change.occurredAt);
      }
    }
  });

  it('a producer cannot write data that breaks the contract: the whole transaction rolls back', async () => {
    const bookingId = cancelledTrip;
    const before = await h.prisma.outboxEvent.count({ where: { aggregateId: bookingId } });
    const attempt = h.prisma.$transaction(async (tx) => {
      await tx.booking.update({ where: { id: bookingId }, data: { failureReason: 'should not stick' } });
      await appendOutboxEvent(tx, {
        bookingId,
        type: EventType.bookingConfirmed,
        // what a producer forgetting the v2 field would write
        data: { bookingId, status: 'CONFIRMED', traveler: { name: 'A', email: 'a@example.com' }, reservations: [] } as never,
        occurredAt: new Date(),
      });
    });
    await expect(attempt).rejects.toThrow(/total/);
    expect(await h.prisma.outboxEvent.count({ where: { aggregateId: bookingId } })).toBe(before);
    expect((await h.prisma.booking.findUniqueOrThrow({ where: { id: bookingId } })).failureReason).toBe('plans changed');
  });
});

describe('consumers of different ages, on real events', () => {
  const oldConsumer = createEventDecoder(Object.fromEntries(Object.entries(eventCatalog).map(([type, d]) => [type, d.asOf(1)])));

  it('an old consumer (v1 of everything) reads the v2 booking.confirmed, without the field it does not know', async () => {
    const row = (await rowsOf(cancelledTrip)).find((r) => r.type === EventType.bookingConfirmed)!;
    const decoded = oldConsumer(toCloudEvent(row));
    expect(decoded).toMatchObject({ version: 1, writtenVersion: 2 });
    const { total: _total, ...v1Data } = row.data as Record<string, unknown>;
    expect(decoded.data).toEqual(v1Data);
  });

  it('an old consumer refuses the restructured booking.requested v2 with a reason, and reads everything else', async () => {
    for (const row of await rowsOf(compensatedTrip)) {
      if (row.type !== EventType.bookingRequested) {
        expect(oldConsumer(toCloudEvent(row)).type).toBe(row.type);
        continue;
      }
      const error = (() => {
        try {
          oldConsumer(toCloudEvent(row));
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(EventDecodeError);
      expect((error as EventDecodeError).toJSON()).toMatchObject({ reason: 'unknown-version', id: row.id, version: 2 });
    }
  });
});

describe('the event-notification consumer calls the API back (handler logic, to be wired to the relay)', () => {
  it('turns each booking.status-changed into the message for the booking as it is now', async () => {
    const server = await serve(h.app, 0, '127.0.0.1');
    try {
      const api = createBookingApiClient({ baseUrl: `http://127.0.0.1:${server.port}`, token: () => h.tokens.operator() });
      const notifications = [];
      for (const row of await rowsOf(cancelledTrip)) {
        const event = decodeEvent(toCloudEvent(row));
        if (event.type === EventType.bookingStatusChanged) notifications.push(await handleBookingStatusChanged(event, api));
      }
      // Read after the trip was cancelled: all three notifications (PENDING, CONFIRMED, CANCELLED) describe it as it
      // is now, and share one dedupe key, so the traveler gets one message and never a stale "confirmed".
      expect(notifications.map((n) => n.dedupeKey)).toEqual([
        `${cancelledTrip}:CANCELLED`,
        `${cancelledTrip}:CANCELLED`,
        `${cancelledTrip}:CANCELLED`,
      ]);
      expect(notifications[0]).toMatchObject({
        to: expect.stringMatching(/^ada\+/),
        subject: 'Your trip is cancelled',
        text: expect.stringContaining('plans changed'),
      });
      expect(await api.getBooking('bk_does_not_exist')).toBeUndefined();
      // Without a token the API refuses, and trying again will not change that.
      const anonymous = createBookingApiClient({ baseUrl: `http://127.0.0.1:${server.port}` });
      await expect(anonymous.getBooking(cancelledTrip)).rejects.toMatchObject({ name: 'BookingApiError', retryable: false });
    } finally {
      await server.close();
    }
  });

  it('says what a confirmed trip costs, from the API view', async () => {
    const view = await h.bookings.getBooking(cancelledTrip);
    const asConfirmed = { ...view, status: 'CONFIRMED' as const, reservations: { ...view.reservations } };
    for (const kind of ['flight', 'hotel', 'car'] as const) {
      const r = asConfirmed.reservations[kind];
      if (r) asConfirmed.reservations[kind] = { ...r, status: 'RESERVED' };
    }
    expect(notificationFor(asConfirmed)).toMatchObject({
      dedupeKey: `${cancelledTrip}:CONFIRMED`,
      subject: 'Your trip is confirmed',
      text: `Your trip ${cancelledTrip} is booked: 3 reservations, 400.00 EUR in total.`,
    });
  });

  it('an API that is down is a retryable error; a body that is not a booking is not', async () => {
    const down = createBookingApiClient({ baseUrl: 'http://127.0.0.1:1' });
    await expect(down.getBooking(cancelledTrip)).rejects.toMatchObject({ name: 'BookingApiError', retryable: true });
    const wrong = createBookingApiClient({ baseUrl: 'http://api', fetch: async () => Response.json({ hello: 'world' }) });
    await expect(wrong.getBooking(cancelledTrip)).rejects.toMatchObject({ name: 'BookingApiError', retryable: false });
  });
});
