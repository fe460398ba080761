import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';

// A traveler's email is in some paths; the log keeps the route's shape there, not the address. No query strings.
const logged = (url: string) => url.split('?')[0]!.replace(/^\/travelers\/[^/]+/, '/travelers/{email}');

const quiet = new Set(['/healthz', '/readyz', '/metrics']);

/** One JSON line per request when it completes: method, path, status, duration, and its request id. */
export function accessLog(logger: Logger): RequestHandler {
  return pinoHttp({
    logger,
    genReqId: (_req: IncomingMessage, res: ServerResponse) => (res as ServerResponse & { locals?: { requestId?: string } }).locals?.requestId ?? '',
    customAttributeKeys: { reqId: 'requestId', responseTime: 'durationMs' },
    quietReqLogger: true,
    customLogLevel: (req, res, error) => {
      if (error || res.statusCode >= 500) return 'error';
      if (res.statusCode >= 400) return 'warn';
      // Probes and scrapers call every few seconds: their answers are for LOG_LEVEL=debug.
      return quiet.has(logged(req.url ?? '')) ? 'debug' : 'info';
    },
    customSuccessMessage: (req, res) => `${req.method} ${logged(req.url ?? '')} ${res.statusCode}`,
    customErrorMessage: (req, res) => `${req.method} ${logged(req.url ?? '')} ${res.statusCode}`,
    serializers: {
      req: (req: { method: string; url: string }) => ({ method: req.method, path: logged(req.url) }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
  }) as unknown as RequestHandler;
}
