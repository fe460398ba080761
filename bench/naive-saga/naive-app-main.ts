import { randomUUID } from 'node:crypto';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { Worker } from '@temporalio/worker';
import { loadConfig, requireSetting } from '../../src/config.ts';
import { loadDataProtection } from '../../src/data-protection/data-protection.ts';
import { openDatabase } from '../../src/db/open-database.ts';
import { transactionOptions } from '../../src/db/prisma.ts';
import { EventType } from '../../src/events/event-types.ts';
import { sagaInputFor, sagaPresentation } from '../../src/bookings/saga-input.ts';
import { connectClient, connectWorkerConnection } from '../../src/temporal/connection.ts';
import { ensureStreams, natsTopology } from '../../src/transport/jetstream/topology.ts';
import { workflowsPath } from '../../src/worker/create-worker.ts';
import { bookTripWorkflowType } from '../../workflows/messages.ts';
import { serveBookingFront } from '../reference-front.ts';
import { type AnyAnnouncedEvent, createAfterCommitPublisher } from './after-commit-publisher.ts';
import { createNaiveActivities } from './naive-activities.ts';

/**
 * THE ANTI-PATTERN's app, bench-only: `POST /bookings` and the saga's worker in one process. The workflow is the real
 * one (workflows/, same steps, timer, search attributes), on a task queue of its own; its activities are the naive
 * ones, and every event goes to JetStream after its commit instead of through the outbox. The booking is accepted
 * without an idempotency key and without its events in the same transaction.
 */
const config = loadConfig();
const log = (line: string) => console.log(`[naive app] ${line}`);
const db = await openDatabase({ databaseUrl: requireSetting(config.databaseUrl, 'DATABASE_URL', 'the naive saga writes to PostgreSQL'), dataDir: '', migrate: false });
const nc = await connect({ servers: requireSetting(config.natsUrl, 'NATS_URL', 'the naive saga publishes to NATS') });
const topology = natsTopology(config.natsSubjectRoot);
await ensureStreams(await jetstreamManager(nc), topology);
const publisher = createAfterCommitPublisher(jetstream(nc), topology, log);
const protection = await loadDataProtection({ dataDir: config.dataDir });
const { connection, namespace } = await connectWorkerConnection(config.temporalAddress);
const worker = await Worker.create({
  connection,
  namespace,
  taskQueue: config.taskQueue,
  workflowsPath,
  activities: createNaiveActivities(db.prisma, publisher),
  dataConverter: protection.dataConverter,
  shutdownGraceTime: '15 seconds',
});
const temporal = await connectClient(config.temporalAddress, protection.dataConverter);
const running = worker.run();

const server = await serveBookingFront(Number(process.env.PORT), async (request) => {
  const bookingId = `bk_${randomUUID()}`;
  const offers = await db.prisma.offer.findMany({
    where: { id: { in: [request.flight.offerId, request.hotel.offerId, ...(request.car ? [request.car.offerId] : [])] } },
    select: { id: true, name: true },
  });
  const now = new Date();
  // workflowStartedAt is set at once so the real worker's saga starter never takes this booking for a lost start.
  await db.prisma.$transaction(
    (tx) => tx.booking.create({ data: { id: bookingId, travelerName: request.traveler.name, travelerEmail: request.traveler.email, request, createdAt: now, updatedAt: now, workflowStartedAt: now } }),
    transactionOptions,
  );
  const input = sagaInputFor(bookingId, request, new Map(offers.map((o) => [o.id, o.name])), config.cancellationWindow);
  await temporal.workflow.start(bookTripWorkflowType, { workflowId: bookingId, taskQueue: config.taskQueue, args: [input], ...sagaPresentation(input, protection.travelerPseudonym) });
  const trip = { flight: { offerId: request.flight.offerId, quantity: request.flight.seats }, hotel: { offerId: request.hotel.offerId, quantity: request.hotel.rooms }, car: request.car ? { offerId: request.car.offerId, quantity: 1 } : null };
  await publisher.publish([
    { aggregateId: bookingId, sequence: 1, type: EventType.bookingRequested, data: { bookingId, traveler: request.traveler, trip }, occurredAt: now } as AnyAnnouncedEvent,
    { aggregateId: bookingId, sequence: 2, type: EventType.bookingStatusChanged, data: { bookingId }, occurredAt: now },
  ]);
  return bookingId;
});
log(`listening on ${process.env.PORT}, polling task queue ${config.taskQueue}`);

const stop = async () => {
  server.close();
  try {
    worker.shutdown();
  } catch {
    // already shutting down: Worker.run() answers SIGTERM itself
  }
  await running;
  log(`events lost to failed publishes: ${publisher.lost}`);
  await Promise.allSettled([nc.drain(), connection.close(), temporal.connection.close(), db.close()]);
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());
