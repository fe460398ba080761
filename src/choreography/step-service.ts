import { ApplicationFailure } from '@temporalio/common';
import { lockBooking } from '../../activities/run-step-once.ts';
import { closedStep, closeStep, type StepRefusal } from '../bookings/choreography-records.ts';
import type { EventHandler, EventHandlers, EventConsumer } from '../consumers/event-consumer.ts';
import type { Tx } from '../db/prisma.ts';
import { EventType } from '../events/event-types.ts';
import { appendOutboxEvent } from '../outbox/append-event.ts';
import type { Clock } from '../lib/clock.ts';
import { type ChoreographedTrip, choreographedTrip } from './trip.ts';

export type StepName = 'flight' | 'hotel' | 'car' | 'payment' | 'confirm';

/** The refusal events of the steps: a step that says no announces it under its own type. */
export type RefusalType =
  | typeof EventType.flightRefused
  | typeof EventType.hotelRefused
  | typeof EventType.carRefused
  | typeof EventType.paymentDeclined
  | typeof EventType.bookingConfirmationWithdrawn;

/**
 * One choreographed step, as its service knows it: which events make it run, which make it undo itself, and what it
 * announces when it refuses. Nothing here names the step before or after it beyond the events it hears: the sequence
 * is written down nowhere but in these lists, one per service.
 */
export interface StepService {
  /** The consumer's durable name (inbox rows, JetStream consumer): never rename a deployed one. */
  name: string;
  step: StepName;
  /** Run the step when one of these is heard. */
  runsAfter: readonly EventType[];
  /** Undo the step when one of these is heard: the step after it refused, or was undone. */
  undoesAfter: readonly EventType[];
  refusal: RefusalType;
  /** Takes the step, appending its success event (through the shared step code in activities/). */
  run: (tx: Tx, trip: ChoreographedTrip) => Promise<void>;
  /** Gives the step back, appending the event the step before it waits for. */
  undo: (tx: Tx, trip: ChoreographedTrip) => Promise<void>;
  /** Other events this service acts on (the booking service hears refusals and cancels). */
  alsoHears?: EventHandlers;
}

/**
 * Turns a step service into a consumer. Each handler runs in the transaction that takes the event's inbox place (the
 * consumer runner's apply-event.ts): the step's effect and the event it announces commit with it, or nothing does,
 * and a redelivered event finds its inbox row and changes nothing.
 */
export function stepConsumer(service: StepService, clock: Clock): EventConsumer {
  const handlers: EventHandlers = { ...service.alsoHears };
  const on = (types: readonly EventType[], handler: EventHandler<EventType>) => {
    for (const type of types) (handlers as Record<string, EventHandler<EventType>>)[type] = handler;
  };
  on(service.runsAfter, choreographed(async (tx, trip) => {
    const closed = await closedStep(tx, trip.bookingId, service.step);
    if (closed) return refuse(tx, clock, service, trip, closed);
    const refusal = await attempt(tx, () => service.run(tx, trip));
    if (refusal) await refuse(tx, clock, service, trip, { errorType: refusal.type ?? 'Error', reason: `${service.step}: ${refusal.type}: ${refusal.message}` });
  }));
  on(service.undoesAfter, choreographed((tx, trip) => service.undo(tx, trip)));
  if (!service.alsoHears?.[EventType.bookingCancelRequested]) {
    // A cancel heard before this step's turn: when the turn comes, the step refuses, and the unwinding starts there.
    // Heard after the step ran, it changes nothing here: the unwinding comes back to this step as an undo.
    handlers[EventType.bookingCancelRequested] = choreographed(async (tx, trip, event) => {
      await closeStep(tx, trip.bookingId, service.step, { errorType: 'Cancelled', reason: `${service.step}: Cancelled: ${event.data.reason}` });
    }) as EventHandler<typeof EventType.bookingCancelRequested>;
  }
  return { name: service.name, handlers };
}

/**
 * A handler that acts only on choreographed bookings, with the booking row locked first: a booking's events are
 * appended under that lock (append-event.ts), and the step's own lock (runStepOnceIn) is then a re-lock.
 */
export function choreographed<T extends EventType>(
  handler: (tx: Tx, trip: ChoreographedTrip, event: Parameters<EventHandler<T>>[1]) => Promise<void>,
): EventHandler<T> {
  return async (tx, event) => {
    const trip = await choreographedTrip(tx, event.bookingId);
    if (!trip) return;
    await lockBooking(tx, event.bookingId);
    await handler(tx, trip, event);
  };
}

/**
 * Runs the step under a savepoint: a business refusal (sold out, declined) rolls back whatever the step wrote and is
 * returned, so the refusal event commits with the inbox row instead. Any other error is thrown: the whole transaction
 * rolls back and the runner retries the event. The booking row was locked before the savepoint, so the lock is kept
 * (PostgreSQL releases locks taken after a savepoint when it is rolled back to).
 */
async function attempt(tx: Tx, step: () => Promise<void>): Promise<ApplicationFailure | undefined> {
  await tx.$executeRaw`SAVEPOINT choreography_step`;
  try {
    await step();
  } catch (error) {
    if (!(error instanceof ApplicationFailure) || !error.nonRetryable) throw error;
    await tx.$executeRaw`ROLLBACK TO SAVEPOINT choreography_step`;
    return error;
  }
  await tx.$executeRaw`RELEASE SAVEPOINT choreography_step`;
  return undefined;
}

async function refuse(tx: Tx, clock: Clock, service: StepService, trip: ChoreographedTrip, refusal: StepRefusal) {
  await appendOutboxEvent(tx, { bookingId: trip.bookingId, type: service.refusal, data: { bookingId: trip.bookingId, ...refusal }, occurredAt: clock.now() });
}
