import type { LogLevel, LogMetadata, Logger as TemporalLogger } from '@temporalio/common';
import { Runtime, type RuntimeOptions } from '@temporalio/worker';
import type { Logger } from 'pino';

const levelOf: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/**
 * The Temporal SDK's own log (worker state, workflow and activity loggers, the core's warnings) as the app's JSON
 * lines, and its telemetry (the worker's Prometheus metrics) when given. Installed once per process, before the first
 * worker connection: the runtime is a singleton that keeps the logger and telemetry it starts with.
 */
export function logTemporalRuntimeTo(logger: Logger, telemetryOptions?: RuntimeOptions['telemetryOptions']): void {
  const write = (level: LogLevel, message: string, meta?: LogMetadata) => logger[levelOf[level]]({ ...meta }, message);
  const temporalLogger: TemporalLogger = {
    log: write,
    trace: (message, meta) => write('TRACE', message, meta),
    debug: (message, meta) => write('DEBUG', message, meta),
    info: (message, meta) => write('INFO', message, meta),
    warn: (message, meta) => write('WARN', message, meta),
    error: (message, meta) => write('ERROR', message, meta),
  };
  Runtime.install({ logger: temporalLogger, ...(telemetryOptions ? { telemetryOptions } : {}) });
}
