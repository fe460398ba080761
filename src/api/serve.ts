import type { Server } from 'node:http';
import type { Express } from 'express';

/** Listens, and returns a close() that stops accepting, lets in-flight requests finish, then resolves. */
export async function serve(app: Express, port: number, host = '0.0.0.0') {
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(port, host, (error?: Error) => (error ? reject(error) : resolve(s)));
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
