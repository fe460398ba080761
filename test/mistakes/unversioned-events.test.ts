import { randomUUID } from 'node:crypto';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { z } from 'zod';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type AnyEventCatalog, eventCatalog } from '../../src/events/catalog.ts';
import { checkEventContracts } from '../../src/events/contract-check.ts';
import { createEventDecoder } from '../../src/events/decode.ts';
import { EventDecodeError } from '../../src/events/decode-error.ts';
import { EventDefinition } from '../../src/events/define-event.ts';
import { readPublishedSchemas } from '../../src/events/schema-files.ts';
import { bookingConfirmedV2 } from '../../src/events/schemas/booking-outcome.ts';
import { EventType } from '../../src/events/event-types.ts';
import { startEventPipeline } from '../../src/pipeline/event-pipeline.ts';
import { directTrip, roomyOffers, waitUntil } from '../support/direct-trips.ts';
import { type Harness, startHarness } from '../support/harness.ts';
import { readStream, removeTopology, sharedNatsUrl, uniqueTopology } from '../support/nats.ts';
import { createOwnDatabase } from '../support/own-database.ts';
import {
  confirmedTripMessage,
  confirmedTripMessageAfterRename,
  publishUnversioned,
  tallySeats,
} from './unversioned-events/unversioned-trip-events.ts';

// One consumer, "seats sold per flight", written when a reservation carried `quantity`; then a producer renames it
// to `units`. Naive: bare JSON through a stream of its own. Project: booking.confirmed from the real write path,
// relayed to JetStream, read through the versioned catalog, and the rename put to the compatibility check.
const naiveTopology = uniqueTopology();
const topology = uniqueTopology();
let nc: NatsConnection;
let h: Harness;
let ownDb: Awaited<ReturnType<typeof createOwnDatabase>>;

beforeAll(async () => {
  nc = await connect({ servers: sharedNatsUrl });
  ownDb = await createOwnDatabase('unversioned');
  h = await startHarness({ worker: false, databaseUrl: ownDb.url });
});
afterAll(async () => {
  await nc?.close();
  await removeTopology(sharedNatsUrl, naiveTopology);
  await removeTopology(sharedNatsUrl, topology);
  await h?.stop();
  await ownDb?.drop();
});

const confirmed = EventType.bookingConfirmed;
const reservation = bookingConfirmedV2.shape.reservations.element;
/** The rename as a developer would make it: `quantity` becomes `units`, nothing else changes. */
const renamedReservations = bookingConfirmedV2.extend({
  reservations: z.array(reservation.omit({ quantity: true }).extend({ units: z.int() })),
});

/** The old consumer's tally, over events decoded by a consumer that knows only booking.confirmed v1. */
const oldConsumer = createEventDecoder({ [confirmed]: eventCatalog[confirmed].asOf(1) });

it('a renamed field: the unversioned consumer counts it as nothing, the versioned one stays right and refuses the renamed event', async () => {
  await (await jetstreamManager(nc)).streams.add({ name: naiveTopology.eventsStream, subjects: [naiveTopology.eventsSubjects] });
  const js = jetstream(nc);
  const subject = `${naiveTopology.root}.events.trip-confirmed`;
  const flight = randomUUID();
  await publishUnversioned(js, subject, confirmedTripMessage({ bookingId: 'bk_1', flightOfferId: flight, seats: 2 }));
  await publishUnversioned(js, subject, confirmedTripMessage({ bookingId: 'bk_2', flightOfferId: flight, seats: 1 }));
  const before = tallySeats((await readStream(nc, naiveTopology.eventsStream)).map((m) => m.body)).get(flight);

  await publishUnversioned(js, subject, confirmedTripMessageAfterRename({ bookingId: 'bk_3', flightOfferId: flight, seats: 3 }));
  const after = tallySeats((await readStream(nc, naiveTopology.eventsStream)).map((m) => m.body)).get(flight);
  console.log(`unversioned: seats sold ${before} before the rename, ${after} after one more trip of 3 seats (should be 6)`);
  expect(before).toBe(3);
  expect(after).toBeNaN();

  const offers = await roomyOffers(h);
  const trips = [await directTrip(h, offers), await directTrip(h, offers), await directTrip(h, offers)];
  const pipeline = startEventPipeline({
    db: h.db,
    natsUrl: sharedNatsUrl,
    natsSubjectRoot: topology.root,
    metrics: h.metrics,
    relay: true,
    consumers: false,
  });
  try {
    await waitUntil('the outbox to drain', async () => (await h.prisma.outboxEvent.count({ where: { publishedAt: null } })) === 0);
  } finally {
    await pipeline.stop();
  }
  const stored = (await readStream(nc, topology.eventsStream)).filter((m) => m.event.type === confirmed);
  expect(stored.map((m) => m.event.subject).sort()).toEqual(trips.map((t) => t.bookingId).sort());

  // The producers write booking.confirmed v2 (it added `total`); a consumer built on v1 reads it as v1.
  const decoded = stored.map((m) => oldConsumer(m.body));
  expect(decoded.map((e) => [e.writtenVersion, e.version])).toEqual([[2, 1], [2, 1], [2, 1]]);
  const seats = decoded
    .flatMap((e) => (e.data as { reservations: { kind: string; offerId: string; quantity: number }[] }).reservations)
    .filter((r) => r.kind === 'flight' && r.offerId === offers.flight)
    .reduce((sum, r) => sum + r.quantity, 0);
  console.log(`versioned: the v1 consumer read ${decoded.length} booking.confirmed v2 event(s) from JetStream, ${seats} seat(s) sold`);
  expect(seats).toBe(3);

  // Had the rename shipped as a declared breaking v3, the old consumer would refuse those events (to its dead-letter
  // path) rather than count them as nothing, and a consumer that knows v3 reads the stored v2 events through the upcaster.
  const v3Event = { ...stored[0]!.event, dataschema: `urn:tripsaga:schema:${confirmed}:v3`, data: toUnits(decoded[0]!.data as never) };
  const refusal = (() => {
    try {
      oldConsumer(v3Event);
    } catch (error) {
      return error;
    }
  })();
  expect(refusal).toBeInstanceOf(EventDecodeError);
  expect((refusal as EventDecodeError).reason).toBe('unknown-version');
  console.log(`versioned: the v1 consumer refused a renamed v3 event: ${(refusal as EventDecodeError).message}`);
  const v3Consumer = createEventDecoder({ [confirmed]: eventCatalog[confirmed].next(3, renamedReservations, { upcast: toUnits, breaking: 'quantity renamed units' }) });
  const upcast = v3Consumer(stored[0]!.body);
  expect(upcast).toMatchObject({ writtenVersion: 2, version: 3, data: { reservations: expect.arrayContaining([expect.objectContaining({ units: 1 })]) } });
});

it('the compatibility check refuses the rename, in place or as an undeclared new version', () => {
  const published = readPublishedSchemas();
  const real = eventCatalog[confirmed];
  const inPlace: AnyEventCatalog = {
    ...eventCatalog,
    [confirmed]: new EventDefinition(confirmed, real.summary, real.style, [real.versions[0]!, { ...real.versions[1]!, schema: renamedReservations }]),
  };
  const inPlaceProblems = checkEventContracts(inPlace, published).breaking;
  console.log(`compatibility check, rename in place:\n  ${inPlaceProblems.join('\n  ')}`);
  expect(inPlaceProblems).toEqual([
    expect.stringMatching(/^com\.tripsaga\.booking\.confirmed v2: reservations\[\]\.quantity required field removed \(breaks old-readers\)/),
    expect.stringMatching(/^com\.tripsaga\.booking\.confirmed v2: reservations\[\]\.units new required field: events already written do not have it \(breaks stored-events\)/),
    expect.stringMatching(/^com\.tripsaga\.booking\.confirmed v2 breaks readers of v1 \(reservations\[\]\.quantity required field removed\) but is not declared breaking/),
  ]);

  const asV3 = { ...eventCatalog, [confirmed]: real.next(3, renamedReservations, { upcast: toUnits }) };
  const v3Problems = checkEventContracts(asV3, published).breaking;
  console.log(`compatibility check, rename as an undeclared v3:\n  ${v3Problems.join('\n  ')}`);
  expect(v3Problems).toContainEqual(
    expect.stringMatching(/^com\.tripsaga\.booking\.confirmed v3 breaks readers of v2 \(reservations\[\]\.quantity required field removed\) but is not declared breaking/),
  );
  // The real catalogue passes the same check, so the refusals above are the rename's.
  expect(checkEventContracts(eventCatalog, published).breaking).toEqual([]);
});

function toUnits(v2: z.output<typeof bookingConfirmedV2>): z.input<typeof renamedReservations> {
  return { ...v2, reservations: v2.reservations.map(({ quantity, ...rest }) => ({ ...rest, units: quantity })) };
}
