import { createRequire } from 'node:module';
import path from 'node:path';
import { Router } from 'express';

/**
 * GET /docs: Swagger UI over /openapi.json, its assets served from the swagger-ui-dist package, so the page works
 * with no network. The Content-Security-Policy lets the page load nothing from anywhere else: a stray CDN link or
 * the online spec validator Swagger UI calls by default would show up as a blocked request, not a silent leak.
 */
const swaggerUiDir = path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

const assets: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

const contentSecurityPolicy =
  "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; base-uri 'none'; form-action 'none'";

const page = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>tripsaga API reference</title>
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <link rel="icon" href="/docs/favicon-32x32.png">
  <link rel="stylesheet" href="/docs/swagger-ui.css">
</head>
<body>
  <noscript>This page renders <a href="/openapi.json">/openapi.json</a>; it needs JavaScript.</noscript>
  <div id="reference"></div>
  <script src="/docs/swagger-ui-bundle.js"></script>
  <script src="/docs/reference.js"></script>
</body>
</html>
`;

// validatorUrl: null — by default Swagger UI sends the document to an online validator.
const startScript = `window.ui = SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#reference',
  deepLinking: true,
  validatorUrl: null,
  docExpansion: 'list',
  defaultModelsExpandDepth: 0,
});
`;

export function referencePageRouter(): Router {
  const router = Router();
  router.get('/docs', (_req, res) => {
    res.set('Content-Security-Policy', contentSecurityPolicy).type('html').send(page);
  });
  router.get('/docs/reference.js', (_req, res) => {
    res.type('text/javascript; charset=utf-8').send(startScript);
  });
  router.get('/docs/:asset', (req, res, next) => {
    const contentType = assets[req.params.asset];
    if (!contentType) return next();
    res.set('Cache-Control', 'public, max-age=86400').type(contentType).sendFile(path.join(swaggerUiDir, req.params.asset));
  });
  return router;
}
