import { setTimeout as sleep } from 'node:timers/promises';
import { Gauge, type Registry } from 'prom-client';
import { lockBooking } from '../../activities/run-step-once.ts';
import { closeStep } from '../bookings/choreography-records.ts';
import { type Db, transactionOptions } from '../db/prisma.ts';
import { EventType } from '../events/event-types.ts';
import type { Clock } from '../lib/clock.ts';
import { appendOutboxEvent } from '../outbox/append-event.ts';
import type { StepService } from './step-service.ts';

/** Who must act on a trip's last event, as the services' own lists say (the overseer holds no sequence of its own). */
export interface Waiting {
  service: string;
  step: string;
  /** `run`: the step has yet to be taken (it may be timed out); `undo`: a compensation, which is never timed out. */
  action: 'run' | 'undo' | 'settle';
}

export interface StuckTrip {
  bookingId: string;
  status: string;
  lastEvent: string;
  lastEventAt: Date;
  waitingFor: Waiting[];
}

/** Events that move no step on: the booking's status notification, and a cancel (the next step's turn acts on it). */
const notSteps = [EventType.bookingStatusChanged, EventType.bookingCancelRequested];

/**
 * A choreographed trip has no orchestrator to notice that it stopped, so this does: a trip still in motion (PENDING,
 * or CONFIRMED with a cancel accepted) whose last step event is older than the step deadline. It reads the outbox,
 * where every service's event lands, and names the services that hear that event.
 */
export function createTripOverseer(options: { prisma: Db; services: StepService[]; deadlineMs: number; clock: Clock; registry?: Registry }) {
  const { prisma, services, deadlineMs, clock } = options;
  const gauge = options.registry
    ? new Gauge({
        name: 'tripsaga_choreography_stuck_trips',
        help: 'Choreographed trips whose next step has not answered within the step deadline (CHOREOGRAPHY_STEP_DEADLINE), by the service they wait for',
        labelNames: ['waiting_for'],
        registers: [options.registry],
      })
    : undefined;

  function waitingFor(type: string, status: string): Waiting[] {
    if (status === 'CONFIRMED' && type === EventType.bookingConfirmed) return [{ service: 'choreography-booking', step: 'confirm', action: 'undo' }];
    return services.flatMap((s): Waiting[] => {
      if (s.runsAfter.includes(type as EventType)) return [{ service: s.name, step: s.step, action: 'run' }];
      if (s.undoesAfter.includes(type as EventType)) return [{ service: s.name, step: s.step, action: 'undo' }];
      if (s.alsoHears && type in s.alsoHears) return [{ service: s.name, step: s.step, action: 'settle' }];
      return [];
    });
  }

  async function stuckTrips(): Promise<StuckTrip[]> {
    const cutoff = new Date(clock.now().getTime() - deadlineMs);
    const rows = await prisma.$queryRaw<{ booking_id: string; status: string; type: string; occurred_at: Date }[]>`
      SELECT b.id AS booking_id, b.status::text AS status, e.type, e.occurred_at
      FROM bookings b
      CROSS JOIN LATERAL (SELECT type, occurred_at FROM outbox_events o
                          WHERE o.aggregate_id = b.id AND o.type <> ALL (${notSteps}::text[])
                          ORDER BY o.sequence DESC LIMIT 1) e
      WHERE b.coordination = 'choreography'
        AND (b.status = 'PENDING'
             OR (b.status = 'CONFIRMED' AND EXISTS (SELECT 1 FROM saga_steps s WHERE s.idempotency_key = b.id || ':cancel-requested')))
        AND e.occurred_at < ${cutoff}
      ORDER BY e.occurred_at
      LIMIT 500`;
    return rows.map((r) => ({
      bookingId: r.booking_id,
      status: r.status,
      lastEvent: r.type,
      lastEventAt: r.occurred_at,
      waitingFor: waitingFor(r.type, r.status),
    }));
  }

  /** Checks once, sets the alert gauge, and returns the stuck trips. */
  async function check(): Promise<StuckTrip[]> {
    const stuck = await stuckTrips();
    if (gauge) {
      gauge.reset();
      for (const service of services) gauge.set({ waiting_for: service.name }, 0);
      for (const trip of stuck) for (const w of trip.waitingFor) gauge.inc({ waiting_for: w.service });
    }
    return stuck;
  }

  /**
   * Compensates a trip stuck before a step: the step is closed (when its service comes back, it refuses instead of
   * taking it) and its refusal is announced now, so the services before it undo themselves as for any refusal. A
   * compensation that is stuck is not timed out: units and money must go back, so its service must be brought back.
   */
  async function timeOut(bookingId: string): Promise<Waiting> {
    const trip = (await stuckTrips()).find((t) => t.bookingId === bookingId);
    if (!trip) throw new Error(`booking ${bookingId} is not a choreographed trip stuck for longer than ${deadlineMs} ms`);
    const run = trip.waitingFor.find((w) => w.action === 'run');
    if (!run) {
      throw new Error(`booking ${bookingId} waits for ${trip.waitingFor.map((w) => `${w.service} (${w.action})`).join(', ')}: only a step not yet taken can be timed out; start that service`);
    }
    const service = services.find((s) => s.name === run.service)!;
    const seconds = Math.round((clock.now().getTime() - trip.lastEventAt.getTime()) / 1000);
    const refusal = { errorType: 'StepTimedOut', reason: `${service.step}: StepTimedOut: ${service.name} did not answer ${trip.lastEvent} within ${seconds} s` };
    await prisma.$transaction(async (tx) => {
      await lockBooking(tx, bookingId);
      await closeStep(tx, bookingId, service.step, refusal);
      await appendOutboxEvent(tx, { bookingId, type: service.refusal, data: { bookingId, ...refusal }, occurredAt: clock.now() });
    }, transactionOptions);
    return run;
  }

  /** Checks every `everyMs` until aborted, logging each trip the first time it is seen stuck. */
  async function run({ everyMs, signal, log = () => {} }: { everyMs: number; signal: AbortSignal; log?: (line: string) => void }) {
    const reported = new Set<string>();
    while (!signal.aborted) {
      try {
        const stuck = await check();
        const now = new Set(stuck.map((t) => t.bookingId));
        for (const trip of stuck) {
          if (reported.has(trip.bookingId)) continue;
          const who = trip.waitingFor.map((w) => `${w.service} (${w.action} ${w.step})`).join(', ') || 'no service';
          log(`choreography: trip ${trip.bookingId} stuck since ${trip.lastEventAt.toISOString()} after ${trip.lastEvent}; waiting for ${who} (docs/patterns/choreography.md#a-stuck-trip)`);
        }
        for (const id of [...reported]) if (!now.has(id)) reported.delete(id);
        for (const id of now) reported.add(id);
      } catch (error) {
        log(`choreography overseer: check failed (${(error as Error).message}); trying again`);
      }
      await sleep(everyMs, undefined, { signal }).catch(() => {});
    }
  }

  return { check, stuckTrips, timeOut, run };
}

export type TripOverseer = ReturnType<typeof createTripOverseer>;
