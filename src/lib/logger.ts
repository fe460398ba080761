import { AsyncLocalStorage } from 'node:async_hooks';
import { type DestinationStream, type Logger, pino } from 'pino';

/**
 * Structured JSON logs (pino), one object a line. The code passes a plain `log(line)` around; lines written while
 * an HTTP request is handled carry that request's id, found through the async context rather than passed by hand.
 */
export type Log = (line: string) => void;

const requestScope = new AsyncLocalStorage<{ requestId: string }>();

export function withRequestId<T>(requestId: string, run: () => T): T {
  return requestScope.run({ requestId }, run);
}

export function currentRequestId(): string | undefined {
  return requestScope.getStore()?.requestId;
}

export interface LoggerOptions {
  /** What wrote the line: tripsaga (npm start), api, worker, relay, consumers... */
  component: string;
  level?: string;
  destination?: DestinationStream;
}

export function createLogger({ component, level = 'info', destination }: LoggerOptions): Logger {
  return pino(
    {
      level,
      base: { component },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // A child logger bound to a request (the access log's) carries the id already: one `requestId` key a line.
      mixin: (_line, _level, logger) => {
        const requestId = currentRequestId();
        return requestId && !('requestId' in logger.bindings()) ? { requestId } : {};
      },
    },
    destination,
  );
}

/** The `log(line)` seam over a logger. */
export function lineLog(logger: Logger): Log {
  return (line) => logger.info(line);
}
