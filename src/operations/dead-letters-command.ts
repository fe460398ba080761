import type { Db } from '../db/prisma.ts';
import type { EventConsumer } from '../consumers/event-consumer.ts';
import { listDeadLetters, NotReplayable, replayAllDeadLetters, replayDeadLetter, type ReplayReport, showDeadLetter } from '../consumers/dead-letters.ts';

export const deadLettersUsage = `usage: npm run dead-letters -- <command>
  list [--consumer NAME]          the dead letters, oldest first, with the events held behind each
  show ID [--consumer NAME]       one dead letter: reason, the CloudEvent, the events held behind it
  replay ID --consumer NAME       apply it (its cause fixed), then the booking's events held behind it, in order
  replay --all --consumer NAME    the same for every booking with a dead letter for that consumer`;

export interface CommandIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

/** `npm run dead-letters`: returns the exit code (0 done, 1 a replay failed again, 2 refused or bad usage). */
export async function runDeadLettersCommand(args: string[], prisma: Db, consumers: EventConsumer[], io: CommandIo): Promise<number> {
  const { positional, consumer: consumerName, all } = parseArgs(args);
  const [command, id] = positional;
  const consumerNamed = (name: string | undefined) => {
    const found = consumers.find((c) => c.name === name);
    if (!found) throw new NotReplayable(`--consumer must name one of: ${consumers.map((c) => c.name).join(', ')}${name ? ` (got "${name}")` : ''}`);
    return found;
  };
  try {
    if (command === 'list') {
      const letters = await listDeadLetters(prisma, { consumer: consumerName });
      if (letters.length === 0) io.out('no dead letters');
      for (const l of letters) {
        io.out(`${l.eventId}  ${l.consumer}  ${l.type}  booking ${l.bookingId} #${l.sequence}  ${l.deadLetteredAt.toISOString()}  held behind it: ${l.held}`);
        io.out(`    ${l.reason ?? ''}`);
      }
      return 0;
    }
    if (command === 'show' && id) {
      const letters = await showDeadLetter(prisma, id, consumerName);
      if (letters.length === 0) throw new NotReplayable(`event ${id} is not dead-lettered${consumerName ? ` by ${consumerName}` : ''}`);
      for (const l of letters) io.out(JSON.stringify(l, null, 2));
      return 0;
    }
    if (command === 'replay' && all && !id) return printReports(await replayAllDeadLetters(prisma, consumerNamed(consumerName)), io);
    if (command === 'replay' && id && !all) return printReports([await replayDeadLetter(prisma, consumerNamed(consumerName), id)], io);
    io.err(deadLettersUsage);
    return 2;
  } catch (error) {
    if (!(error instanceof NotReplayable)) throw error;
    io.err(`refused: ${error.message}`);
    return 2;
  }
}

function printReports(reports: ReplayReport[], io: CommandIo): number {
  if (reports.length === 0) io.out('no dead letters to replay');
  for (const r of reports) {
    for (const e of r.replayed) io.out(`${r.consumer}: booking ${r.bookingId} #${e.sequence} ${e.type} ${e.eventId}: ${e.outcome}`);
    if (r.failed) io.err(`${r.consumer}: booking ${r.bookingId} #${r.failed.sequence} ${r.failed.eventId}: dead-lettered again: ${r.failed.reason}`);
  }
  return reports.some((r) => r.failed) ? 1 : 0;
}

function parseArgs(args: string[]) {
  const positional: string[] = [];
  let consumer: string | undefined;
  let all = false;
  for (let i = 0; i < args.length; i += 1) {
    if (args[i] === '--consumer') consumer = args[++i];
    else if (args[i] === '--all') all = true;
    else positional.push(args[i]!);
  }
  return { positional, consumer, all };
}
