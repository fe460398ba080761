import { createServer } from 'node:http';
import type { Registry } from 'prom-client';

/** GET /metrics on its own port, for processes without the API (`npm run relay`, `npm run consumers`). */
export async function serveMetrics(registry: Registry, port: number, host = '0.0.0.0') {
  const server = createServer(async (req, res) => {
    if (req.method !== 'GET' || req.url !== '/metrics') {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'not_found', message: 'Only GET /metrics here' } }));
      return;
    }
    try {
      res.writeHead(200, { 'content-type': registry.contentType }).end(await registry.metrics());
    } catch {
      res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'internal_error', message: 'Metrics unavailable' } }));
    }
  });
  await new Promise<void>((resolve, reject) => server.listen(port, host, resolve).once('error', reject));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
