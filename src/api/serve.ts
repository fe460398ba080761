import { createServer, type Server } from 'node:http';
import type { Express } from 'express';
import type { HttpSettings } from '../config.ts';

const defaults: HttpSettings = { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000 };

/**
 * Listens, and returns a close() that stops accepting, lets in-flight requests finish, then resolves. A client that
 * sends its headers or its body too slowly (a byte a second holds a connection for ever otherwise) is answered 408
 * and cut off: Node checks the deadlines every `connectionsCheckingInterval`, so that runs well under them.
 */
export async function serve(app: Express, port: number, host = '0.0.0.0', http: Partial<HttpSettings> = {}) {
  const { headersTimeoutMs, requestTimeoutMs } = { ...defaults, ...http };
  const server: Server = createServer(
    {
      headersTimeout: Math.min(headersTimeoutMs, requestTimeoutMs),
      requestTimeout: requestTimeoutMs,
      connectionsCheckingInterval: Math.max(100, Math.min(1_000, Math.floor(Math.min(headersTimeoutMs, requestTimeoutMs) / 4))),
    },
    app,
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const boundPort = typeof address === 'object' && address ? address.port : port;
  return {
    port: boundPort,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeIdleConnections();
      }),
  };
}
