import { createServer, type ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import { checkDependencies, type DependencyChecks } from './dependency-checks.ts';

export interface MetricsServerOptions {
  host?: string;
  /** GET /readyz runs each and names the one that is down. */
  readiness?: DependencyChecks;
  /** More Prometheus text appended to the registry's, e.g. the Temporal SDK's worker metrics. */
  moreMetrics?: () => Promise<string>;
}

/**
 * GET /metrics, /healthz and /readyz on a port of their own, for processes without the API (`npm run worker`,
 * `npm run relay`, `npm run consumers`).
 */
export async function serveMetrics(registry: Registry, port: number, { host = '0.0.0.0', readiness = {}, moreMetrics }: MetricsServerOptions = {}) {
  const json = (res: ServerResponse, status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  const server = createServer(async (req, res) => {
    const route = req.method === 'GET' ? req.url?.split('?')[0] : undefined;
    try {
      if (route === '/metrics') {
        const text = [await registry.metrics(), ...(moreMetrics ? [await moreMetrics().catch(() => '')] : [])].join('\n');
        return void res.writeHead(200, { 'content-type': registry.contentType }).end(text);
      }
      if (route === '/healthz') return json(res, 200, { status: 'ok' });
      if (route === '/readyz') {
        const { ready, checks } = await checkDependencies(readiness);
        return json(res, ready ? 200 : 503, { ready, checks });
      }
      json(res, 404, { error: { code: 'not_found', message: 'GET /metrics, /healthz or /readyz here' } });
    } catch {
      json(res, 500, { error: { code: 'internal_error', message: 'Metrics unavailable' } });
    }
  });
  await new Promise<void>((resolve, reject) => server.listen(port, host, resolve).once('error', reject));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
