import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * `npm run bench -- --tracing`: an OTLP/HTTP endpoint in the driver that takes every span the processes export and
 * throws it away, counting. The processes then pay all of tracing's cost (making spans, batching, serializing,
 * sending); none of a collector's cost lands on them, and no viewer has to keep up with the load.
 */
export async function startTracingSink() {
  let requests = 0;
  let bytes = 0;
  const server = createServer((req, res) => {
    req.on('data', (chunk: Buffer) => (bytes += chunk.length));
    req.on('end', () => {
      requests += 1;
      res.writeHead(req.method === 'POST' && req.url === '/v1/traces' ? 200 : 404, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    /** What the processes sent: OTLP requests and their bytes. */
    received: () => ({ requests, bytes }),
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
