import type { TripOverseer } from '../choreography/overseer.ts';
import type { CommandIo } from './dead-letters-command.ts';

export const stuckTripsUsage = `usage: npm run trips:stuck -- <command>
  list              the choreographed trips with no step event for longer than CHOREOGRAPHY_STEP_DEADLINE, and whom they wait for
  time-out BOOKING  compensate one: close the step it waits for and announce its refusal (StepTimedOut); the steps
                    before it are undone as for any refusal, and the service, once back, refuses instead of taking it`;

/** `npm run trips:stuck`: returns the exit code (0 done, 1 refused, 2 bad usage). */
export async function runStuckTripsCommand(args: string[], overseer: TripOverseer, io: CommandIo): Promise<number> {
  const [command, bookingId] = args;
  if (command === 'list') {
    const trips = await overseer.stuckTrips();
    if (trips.length === 0) io.out('no stuck trips');
    for (const t of trips) {
      const waiting = t.waitingFor.map((w) => `${w.service} (${w.action} ${w.step})`).join(', ') || 'no service';
      io.out(`${t.bookingId}  ${t.status}  last ${t.lastEvent} at ${t.lastEventAt.toISOString()}  waiting for ${waiting}`);
    }
    return 0;
  }
  if (command === 'time-out' && bookingId) {
    try {
      const step = await overseer.timeOut(bookingId);
      io.out(`${bookingId}: the ${step.step} step (${step.service}) is timed out; the trip is being undone`);
      return 0;
    } catch (error) {
      io.err((error as Error).message);
      return 1;
    }
  }
  io.err(stuckTripsUsage);
  return 2;
}
