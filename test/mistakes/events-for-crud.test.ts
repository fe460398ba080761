import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { waitUntil } from '../support/direct-trips.ts';
import { type Harness, startHarness } from '../support/harness.ts';
import { sharedNatsUrl } from '../support/nats.ts';
import { createOwnDatabase } from '../support/own-database.ts';
import { createEventSourcedOffers } from './event-sourced-offers/offer-catalogue.ts';
import { createOfferEventTables, createOfferStream, startOfferEventPublisher } from './event-sourced-offers/event-store.ts';
import { startOfferProjector } from './event-sourced-offers/projector.ts';

// The same catalogue work twice: the project's offers table (src/offers/offer-service.ts), and the catalogue as an
// event-sourced aggregate with a projected view (event-sourced-offers/), its events relayed through JetStream.
const root = `offers_${randomBytes(4).toString('hex')}`;
const stream = root.toUpperCase();
let h: Harness;
let ownDb: Awaited<ReturnType<typeof createOwnDatabase>>;
let pool: pg.Pool;
let nc: NatsConnection;
const stops: (() => Promise<void>)[] = [];

beforeAll(async () => {
  ownDb = await createOwnDatabase('crud');
  h = await startHarness({ worker: false, databaseUrl: ownDb.url });
  pool = new pg.Pool({ connectionString: ownDb.url, max: 4 });
  await createOfferEventTables(pool);
  nc = await connect({ servers: sharedNatsUrl });
  await createOfferStream(await jetstreamManager(nc), stream, `${root}.>`);
});
afterAll(async () => {
  for (const stop of stops.reverse()) await stop();
  await (await jetstreamManager(nc)).streams.delete(stream).catch(() => {});
  await nc?.close();
  await pool?.end();
  await h?.stop();
  await ownDb?.drop();
});

const newOffer = (i: number) => ({ kind: 'hotel' as const, name: `Hotel ${i}`, capacity: 5, price: { amount: 9_000, currency: 'EUR' as const } });

async function startReadSide() {
  const publisher = startOfferEventPublisher(pool, jetstream(nc), (type) => `${root}.${type}`);
  const projector = await startOfferProjector(nc, await jetstreamManager(nc), pool, stream, 'offer-view');
  const stop = async () => {
    await projector.stop();
    await publisher.stop();
  };
  stops.push(stop);
  return stop;
}

/** Lines that hold code (not blank, not comments), in the files that make up each catalogue. */
function codeLines(files: string[]) {
  return files
    .flatMap((file) => readFileSync(file, 'utf8').split('\n'))
    .filter((line) => line.trim() !== '' && !/^\s*(\/\/|\/\*\*|\*)/.test(line)).length;
}

it('a table answers the writer at once; an event-sourced catalogue makes it wait for a projector, with several times the code', async () => {
  const writes = 10;
  let fresh = 0;
  for (let i = 0; i < writes; i += 1) {
    const created = await h.offers.create(newOffer(i));
    if ((await h.offers.find(created.id))?.name === `Hotel ${i}`) fresh += 1;
  }

  const eventSourced = createEventSourcedOffers(pool);
  const stopReadSide = await startReadSide();
  let esFresh = 0;
  const esIds: string[] = [];
  for (let i = 0; i < writes; i += 1) {
    const { id } = await eventSourced.create(newOffer(i));
    esIds.push(id);
    if ((await eventSourced.find(id))?.name === `Hotel ${i}`) esFresh += 1;
  }
  await waitUntil('the view to catch up', async () => (await Promise.all(esIds.map((id) => eventSourced.find(id)))).every(Boolean));
  console.log(`read right after the write: offers table ${fresh} of ${writes} found, event-sourced view ${esFresh} of ${writes} (projector running)`);
  expect(fresh).toBe(writes);

  // The projector restarts (a deploy, a crash loop, a broker outage): the writes still succeed, every read misses them.
  await stopReadSide();
  const { id } = await eventSourced.create(newOffer(99));
  await eventSourced.reprice(esIds[0]!, 7_500);
  const whileDown = { created: await eventSourced.find(id), repriced: (await eventSourced.find(esIds[0]!))?.price.amount };
  console.log(`projector down: the new offer reads ${whileDown.created === undefined ? 'as missing' : 'as present'}, the repriced one at ${whileDown.repriced} (7500 written)`);
  expect(whileDown).toEqual({ created: undefined, repriced: 9_000 });
  await startReadSide();
  await waitUntil('the view to catch up after the restart', async () => (await eventSourced.find(id)) && (await eventSourced.find(esIds[0]!))?.price.amount === 7_500);

  const table = codeLines([fileURLToPath(new URL('../../src/offers/offer-service.ts', import.meta.url))]);
  const dir = fileURLToPath(new URL('./event-sourced-offers/', import.meta.url));
  const events = codeLines(readdirSync(dir).map((file) => `${dir}${file}`));
  console.log(`code: offers table ${table} lines (API validation included), event-sourced catalogue ${events} lines (none), ${(events / table).toFixed(1)}x`);
  expect(events / table).toBeGreaterThan(2.5);
});
