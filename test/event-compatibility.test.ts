import { Ajv2020 } from 'ajv/dist/2020.js';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { type AnyEventCatalog, eventCatalog } from '../src/events/catalog.ts';
import { incompatibilities } from '../src/events/compatibility.ts';
import { checkEventContracts } from '../src/events/contract-check.ts';
import { EventDefinition, type EventVersion } from '../src/events/define-event.ts';
import { readPublishedSchemas } from '../src/events/schema-files.ts';
import { bookingCancelledV1, bookingCompensatedV1, bookingConfirmedV1, bookingConfirmedV2 } from '../src/events/schemas/booking-outcome.ts';
import { EventType } from '../src/events/event-types.ts';
import { recordedV1Events } from './support/recorded-events.ts';

const published = readPublishedSchemas();

/** The real catalog with one version of one type replaced, as a developer editing a schema would leave it. */
function catalogWith(type: EventType, version: number, schema: z.ZodType): AnyEventCatalog {
  const real = eventCatalog[type];
  const versions = real.versions.map((v): EventVersion => (v.version === version ? { ...v, schema } : v));
  return { ...eventCatalog, [type]: new EventDefinition(type, real.summary, real.style, versions) };
}

function catalogWithNewVersion(type: EventType, schema: z.ZodType, breaking?: string): AnyEventCatalog {
  const real = eventCatalog[type] as EventDefinition;
  return { ...eventCatalog, [type]: real.next(real.latestVersion + 1, schema, { upcast: (previous) => previous, breaking }) };
}

/** The reservation shape inside an outcome event (the same object in all three). */
const reservation = bookingConfirmedV1.shape.reservations.element;

describe('compatibility check over the published JSON Schema files (contracts/events)', () => {
  it('passes on the real catalog: every version published, nothing changed', () => {
    expect(checkEventContracts(eventCatalog, published)).toEqual({ breaking: [], outdated: [] });
    const catalogVersions = Object.values(eventCatalog).reduce((n, definition) => n + definition.versions.length, 0);
    expect([...published.values()].reduce((n, versions) => n + versions.size, 0)).toBe(catalogVersions);
  });

  it('fails when a required field is removed from a published version', () => {
    const { breaking } = checkEventContracts(
      catalogWith(EventType.bookingConfirmed, 2, bookingConfirmedV2.omit({ total: true })),
      published,
    );
    expect(breaking).toEqual([
      expect.stringMatching(/^com\.tripsaga\.booking\.confirmed v2: total required field removed \(breaks old-readers\); .* add v3$/),
    ]);
  });

  it('fails when a field is retyped without a new version', () => {
    const retyped = bookingCompensatedV1.extend({
      reservations: z.array(reservation.extend({ amount: z.string() })),
    });
    const { breaking } = checkEventContracts(catalogWith(EventType.bookingCompensated, 1, retyped), published);
    expect(breaking.join('\n')).toMatch(/booking\.compensated v1: reservations\[\]\.amount may now be string \(breaks old-readers\)/);
    expect(breaking.join('\n')).toMatch(/reservations\[\]\.amount can no longer be integer \(breaks stored-events\)/);
  });

  it('fails when an enum value is removed (stored events carry it) or added (old readers do not know it)', () => {
    const narrowed = bookingCancelledV1.extend({
      reservations: z.array(reservation.extend({ status: z.enum(['RESERVED']) })),
    });
    expect(checkEventContracts(catalogWith(EventType.bookingCancelled, 1, narrowed), published).breaking).toEqual([
      expect.stringMatching(/reservations\[\]\.status value\(s\) removed: "CANCELLED" \(breaks stored-events\)/),
    ]);
    const widened = bookingCancelledV1.extend({
      reservations: z.array(reservation.extend({ kind: z.enum(['flight', 'hotel', 'car', 'train']) })),
    });
    expect(checkEventContracts(catalogWith(EventType.bookingCancelled, 1, widened), published).breaking).toEqual([
      expect.stringMatching(/reservations\[\]\.kind value\(s\) added: "train" \(breaks old-readers\)/),
    ]);
  });

  it('fails when an optional field becomes required, or a constraint tightens', () => {
    const stricter = bookingCancelledV1.extend({ reason: z.string(), bookingId: z.string().min(3) });
    const { breaking } = checkEventContracts(catalogWith(EventType.bookingCancelled, 1, stricter), published);
    expect(breaking).toEqual([
      expect.stringMatching(/bookingId minLength changed from 1 to 3 \(breaks stored-events\)/),
      expect.stringMatching(/reason became required \(breaks stored-events\)/),
    ]);
  });

  it('fails when a published version, or a whole type, disappears from the catalog', () => {
    const { [EventType.carReleased]: _gone, ...withoutCarReleased } = eventCatalog;
    const shortened = { ...withoutCarReleased, [EventType.bookingConfirmed]: eventCatalog[EventType.bookingConfirmed].asOf(1) };
    expect(checkEventContracts(shortened, published).breaking).toEqual([
      'com.tripsaga.booking.confirmed v2 is published but no longer in the catalog: stored events may still carry it',
      'com.tripsaga.car.released is published but no longer in the catalog: stored events may still carry it',
    ]);
  });

  it('fails on a new version that breaks old readers unless it is declared breaking, and on a false declaration', () => {
    const renamed = bookingConfirmedV2.omit({ traveler: true }).extend({ passenger: bookingConfirmedV2.shape.traveler });
    const undeclared = checkEventContracts(catalogWithNewVersion(EventType.bookingConfirmed, renamed), published);
    expect(undeclared.breaking).toEqual([
      expect.stringMatching(
        /^com\.tripsaga\.booking\.confirmed v3 breaks readers of v2 \(traveler required field removed\) but is not declared breaking/,
      ),
    ]);
    const declared = checkEventContracts(
      catalogWithNewVersion(EventType.bookingConfirmed, renamed, 'traveler is now passenger'),
      published,
    );
    expect(declared.breaking).toEqual([]);
    expect(declared.outdated.map((o) => `${o.type} v${o.version}`)).toEqual(['com.tripsaga.booking.confirmed v3']);

    const additive = bookingConfirmedV2.extend({ carbonKg: z.number().optional() });
    expect(checkEventContracts(catalogWithNewVersion(EventType.bookingConfirmed, additive, 'not really'), published).breaking).toEqual([
      'com.tripsaga.booking.confirmed v3 is declared breaking, but readers of v2 can read it: drop the declaration',
    ]);
  });

  it('lets a compatible change through, asking only for the file to be rewritten', () => {
    const withOptionalField = bookingConfirmedV2.extend({ loyaltyTier: z.enum(['gold', 'silver']).optional() });
    const report = checkEventContracts(catalogWith(EventType.bookingConfirmed, 2, withOptionalField), published);
    expect(report.breaking).toEqual([]);
    expect(report.outdated.map((o) => `${o.type} v${o.version}`)).toEqual(['com.tripsaga.booking.confirmed v2']);
  });

  it('knows that integer is a kind of number', () => {
    expect(incompatibilities({ type: 'integer' }, { type: 'number' })).toEqual([
      { path: '(data)', problem: 'may now be number', breaks: 'old-readers' },
    ]);
    expect(incompatibilities({ type: 'number' }, { type: 'integer' })).toEqual([
      { path: '(data)', problem: 'can no longer be number', breaks: 'stored-events' },
    ]);
    expect(incompatibilities({ type: 'integer', description: 'a' }, { type: 'integer', description: 'b' })).toEqual([]);
  });
});

describe('the published JSON Schema files are the contract for non-TypeScript consumers too', () => {
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  const validatorFor = (type: string, version: number) =>
    ajv.getSchema(`urn:tripsaga:schema:${type}:v${version}`) ?? ajv.compile(published.get(type)!.get(version)!);

  it('every event recorded before v2 validates against its v1 file', () => {
    for (const { events } of recordedV1Events()) {
      for (const event of events) {
        const validate = validatorFor(event.type, 1);
        expect(validate(event.data), `${event.type}: ${ajv.errorsText(validate.errors)}`).toBe(true);
      }
    }
  });

  it('a reader validating with booking.confirmed v1 accepts v2 data (the files keep objects open)', () => {
    const recorded = recordedV1Events()
      .flatMap((r) => r.events)
      .find((e) => e.type === EventType.bookingConfirmed)!;
    const v2 = { ...recorded.data, total: { amount: 1, currency: 'EUR' } };
    expect(validatorFor(EventType.bookingConfirmed, 2)(v2)).toBe(true);
    expect(validatorFor(EventType.bookingConfirmed, 1)(v2)).toBe(true);
    expect(validatorFor(EventType.bookingConfirmed, 2)(recorded.data)).toBe(false);
  });
});
