import { describe, expect, it } from 'vitest';
import { eventCatalog } from '../src/events/catalog.ts';
import { createEventDecoder, decodeEvent } from '../src/events/decode.ts';
import { EventDecodeError, type EventRejectionReason } from '../src/events/decode-error.ts';
import { dataSchemaUri } from '../src/events/cloud-event.ts';
import { EventType } from '../src/events/event-types.ts';
import { recordedV1Event, recordedV1Events } from './support/recorded-events.ts';

function rejection(message: unknown, decode: (m: unknown) => unknown = decodeEvent): EventDecodeError {
  try {
    decode(message);
  } catch (error) {
    expect(error).toBeInstanceOf(EventDecodeError);
    return error as EventDecodeError;
  }
  throw new Error('the event was accepted');
}

const confirmedV1 = () => recordedV1Event('confirmed-then-cancelled', EventType.bookingConfirmed);

describe('decodeEvent on events recorded before v2 (upcasting)', () => {
  it('reads every recorded v1 event of all ten types and upcasts it to the newest version', () => {
    const types = new Set<string>();
    for (const { events } of recordedV1Events()) {
      for (const recorded of events) {
        const decoded = decodeEvent(recorded);
        types.add(decoded.type);
        expect(decoded).toMatchObject({ id: recorded.id, subject: recorded.subject, writtenVersion: 1 });
        expect(decoded.version).toBe(eventCatalog[decoded.type].latestVersion);
        expect(eventCatalog[decoded.type].latestSchema.safeParse(decoded.data).success).toBe(true);
      }
    }
    expect(types.size).toBe(10);
  });

  it('booking.confirmed v1 -> v2 gains the total of its reservations', () => {
    const recorded = confirmedV1();
    const decoded = decodeEvent(recorded);
    if (decoded.type !== EventType.bookingConfirmed) throw new Error(decoded.type);
    expect(decoded.version).toBe(2);
    // 2 seats x 129.00 + 1 room x 450.00 + 1 car x 30.00, as recorded
    expect(decoded.data.total).toEqual({ amount: 25_800 + 45_000 + 3_000, currency: 'EUR' });
    expect(decoded.data.reservations).toEqual(recorded.data.reservations);
  });

  it('booking.requested v1 -> v2 restates seats, rooms and the car as quantities', () => {
    const withCar = decodeEvent(recordedV1Event('confirmed-then-cancelled', EventType.bookingRequested));
    const withoutCar = decodeEvent(recordedV1Event('confirmed-without-car', EventType.bookingRequested));
    if (withCar.type !== EventType.bookingRequested || withoutCar.type !== EventType.bookingRequested) throw new Error();
    expect(withCar.data.trip).toEqual({
      flight: { offerId: expect.any(String), quantity: 2 },
      hotel: { offerId: expect.any(String), quantity: 1 },
      car: { offerId: expect.any(String), quantity: 1 },
    });
    expect(withoutCar.data.trip).toMatchObject({ flight: { quantity: 1 }, hotel: { quantity: 2 }, car: null });
    expect(withCar.data).not.toHaveProperty('flight');
  });

  it('accepts bytes, a JSON string or an object alike', () => {
    const recorded = confirmedV1();
    const json = JSON.stringify(recorded);
    expect(decodeEvent(new TextEncoder().encode(json))).toEqual(decodeEvent(recorded));
    expect(decodeEvent(json)).toEqual(decodeEvent(recorded));
  });
});

describe('tolerant reader', () => {
  it('ignores unknown fields in the data and unknown extension attributes on the envelope', () => {
    const recorded = confirmedV1();
    const decoded = decodeEvent({
      ...recorded,
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      data: { ...recorded.data, loyaltyTier: 'gold', traveler: { ...(recorded.data.traveler as object), phone: '+351' } },
    });
    expect(decoded.data).not.toHaveProperty('loyaltyTier');
    expect((decoded.data as { traveler: object }).traveler).toEqual(recorded.data.traveler);
  });

  it('an old consumer (it knows only v1 of every type) reads booking.confirmed v2, ignoring the new total', () => {
    const oldDecoder = createEventDecoder(Object.fromEntries(Object.entries(eventCatalog).map(([type, d]) => [type, d.asOf(1)])));
    const recorded = confirmedV1();
    const v2 = {
      ...recorded,
      dataschema: dataSchemaUri(recorded.type, 2),
      data: { ...recorded.data, total: { amount: 73_800, currency: 'EUR' } },
    };
    const decoded = oldDecoder(v2);
    expect(decoded).toMatchObject({ type: EventType.bookingConfirmed, version: 1, writtenVersion: 2 });
    expect(decoded.data).toEqual(recorded.data);
  });

  it('a newer version that only adds fields is read as the newest known; one that restructures is refused', () => {
    const recorded = confirmedV1();
    const fromTheFuture = {
      ...recorded,
      dataschema: dataSchemaUri(recorded.type, 3),
      data: { ...(decodeEvent(recorded).data as object), carbonKg: 412 },
    };
    expect(decodeEvent(fromTheFuture)).toMatchObject({ version: 2, writtenVersion: 3 });

    const requested = recordedV1Event('confirmed-then-cancelled', EventType.bookingRequested);
    const oldDecoder = createEventDecoder({ [EventType.bookingRequested]: eventCatalog[EventType.bookingRequested].asOf(1) });
    const v2 = { ...requested, dataschema: dataSchemaUri(requested.type, 2), data: decodeEvent(requested).data };
    const refused = rejection(v2, oldDecoder);
    expect(refused.reason).toBe('unknown-version');
    expect(refused.message).toMatch(/v2 is newer than the newest version this consumer knows \(v1\)/);
    expect(refused.issues).toEqual(expect.arrayContaining([expect.stringMatching(/^flight: /), expect.stringMatching(/^hotel: /)]));
  });
});

describe('events a consumer cannot read are rejected with a reason, never a crash', () => {
  const base = () => confirmedV1() as unknown as Record<string, unknown>;
  const cases: [string, unknown, EventRejectionReason, RegExp][] = [
    ['not JSON', '{"specversion": "1.0", ', 'unparseable', /not UTF-8 JSON/],
    ['not UTF-8', new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), 'unparseable', /not UTF-8 JSON/],
    ['a JSON array', '[1, 2]', 'unparseable', /not a JSON object/],
    ['null', null, 'unparseable', /not a JSON object/],
    ['a number', 42, 'unparseable', /not a JSON object/],
    ['CloudEvents 0.3', { ...base(), specversion: '0.3' }, 'invalid-envelope', /CloudEvents 1\.0/],
    ['no id', { ...base(), id: undefined }, 'invalid-envelope', /CloudEvents 1\.0/],
    ['no subject', { ...base(), subject: '' }, 'invalid-envelope', /CloudEvents 1\.0/],
    ['a time that is not RFC 3339', { ...base(), time: 'yesterday' }, 'invalid-envelope', /CloudEvents 1\.0/],
    ['binary data', { ...base(), data: undefined, data_base64: 'e30=' }, 'invalid-envelope', /no data/],
    ['XML data', { ...base(), datacontenttype: 'application/xml' }, 'invalid-envelope', /CloudEvents 1\.0/],
    [
      'a dataschema of another type',
      { ...base(), dataschema: dataSchemaUri(EventType.carReserved, 1) },
      'invalid-envelope',
      /does not name type/,
    ],
    [
      'a dataschema without a version',
      { ...base(), dataschema: 'urn:tripsaga:schema:com.tripsaga.booking.confirmed' },
      'invalid-envelope',
      /CloudEvents/,
    ],
    [
      'an unknown type',
      { ...base(), type: 'com.tripsaga.booking.teleported', dataschema: dataSchemaUri('com.tripsaga.booking.teleported', 1) },
      'unknown-type',
      /no schema for event type com\.tripsaga\.booking\.teleported/,
    ],
    [
      'a future version that does not fit',
      { ...base(), dataschema: dataSchemaUri(EventType.bookingConfirmed, 9), data: { bookingId: 'bk_1' } },
      'unknown-version',
      /v9 is newer/,
    ],
    [
      'data that breaks its version',
      { ...base(), data: { ...(base().data as object), reservations: [{ kind: 'boat' }] } },
      'invalid-data',
      /does not match its schema v1/,
    ],
    [
      'v2 without the total',
      { ...base(), dataschema: dataSchemaUri(EventType.bookingConfirmed, 2) },
      'invalid-data',
      /does not match its schema v2/,
    ],
  ];

  it.each(cases)('%s', (_name, message, reason, explanation) => {
    const error = rejection(message);
    expect(error.reason).toBe(reason);
    expect(error.message).toMatch(explanation);
  });

  it('says which event and which fields, in a record fit for the dead-letter path', () => {
    const bad = base();
    const error = rejection({ ...bad, data: { ...(bad.data as object), status: 'MAYBE', traveler: { name: 'Ada' } } });
    expect(error.toJSON()).toEqual({
      reason: 'invalid-data',
      message: 'com.tripsaga.booking.confirmed data does not match its schema v1',
      id: bad.id,
      type: 'com.tripsaga.booking.confirmed',
      subject: bad.subject,
      version: 1,
      issues: ['status: Invalid input: expected "CONFIRMED"', 'traveler.email: Invalid input: expected string, received undefined'],
    });
    expect(JSON.parse(JSON.stringify(error))).toEqual(error.toJSON());
  });

  it('an upcaster that cannot produce the new version is an invalid-data rejection, not a crash', () => {
    const recorded = confirmedV1();
    const reservations = recorded.data.reservations as { currency: string }[];
    reservations[0]!.currency = 'USD';
    const error = rejection(recorded);
    expect(error).toMatchObject({ reason: 'invalid-data' });
    expect(error.message).toMatch(/could not be upcast to v2: a trip priced in several currencies/);
  });
});
