import { timingSafeEqual } from 'node:crypto';
import type { PayloadCodec } from '@temporalio/common';
import cors from 'cors';
import express, { type ErrorRequestHandler, type Request, type Response, Router } from 'express';
import { z } from 'zod';
import { requireUtf8, sendError } from './http-errors.ts';

/**
 * A Temporal codec server (the HTTP protocol the Web UI and `temporal` CLI speak): POST {endpoint}/decode and
 * {endpoint}/encode with `{ payloads: [{ metadata: { key: base64 }, data: base64 }] }`, answered in the same shape.
 * It lets the UI show an operator the decrypted inputs, results, memo and summaries without the keys ever leaving
 * this process. Every call must be authorized.
 */
export const codecPath = '/codec';

export type CodecDecision = { allowed: true } | { allowed: false; status: 401 | 403; reason: string };

/** Decides whether the caller may see decrypted payloads; the request carries the credential (see presentedToken). */
export type CodecAuthorizer = (request: Request) => CodecDecision | Promise<CodecDecision>;

export interface CodecEndpointOptions {
  codec: PayloadCodec;
  authorize: CodecAuthorizer;
  /** Origins whose pages may call it from a browser: the Temporal Web UI's (e.g. http://localhost:8233). */
  allowedOrigins: string[];
}

/** The UI sends a bearer token only to an https endpoint; over http it sends cookies, so a session cookie works too. */
export const codecSessionCookie = 'tripsaga_codec';

/** The token a caller presents: `Authorization: Bearer …`, else the session cookie POST /codec/session set. */
export function presentedToken(request: Request): string | undefined {
  const bearer = /^Bearer\s+(\S+)$/i.exec(request.get('authorization') ?? '')?.[1];
  if (bearer) return bearer;
  for (const part of (request.get('cookie') ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === codecSessionCookie) {
      try {
        return decodeURIComponent(value.join('='));
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/**
 * The interim check: the token must equal the operator secret (CODEC_OPERATOR_TOKEN, or the one `npm start` keeps in
 * its data directory). Replace it with the API's token verification (an operator's JWT) where that exists.
 */
export function operatorSecretAuthorizer(secret: string): CodecAuthorizer {
  const expected = Buffer.from(secret);
  return (request) => {
    const token = presentedToken(request);
    if (!token) return { allowed: false, status: 401, reason: 'Present an operator token (Authorization: Bearer, or a session from /codec/session)' };
    const given = Buffer.from(token);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { allowed: false, status: 401, reason: 'The token is not valid' };
    return { allowed: true };
  };
}

const base64 = z.string().max(4_000_000).regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64');
/** The codec protocol's body, both ways (Temporal's Payloads message in proto3 JSON). */
export const payloadsSchema = z.strictObject({
  payloads: z
    .array(z.strictObject({ metadata: z.record(z.string().max(256), base64).nullish(), data: base64.nullish() }))
    .max(1_000, 'at most 1000 payloads per call'),
});
type JsonPayload = z.infer<typeof payloadsSchema>['payloads'][number];

const fromJson = ({ metadata, data }: JsonPayload) => ({
  metadata: Object.fromEntries(Object.entries(metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
  data: Buffer.from(data ?? '', 'base64'),
});
const toJson = ({ metadata, data }: { metadata?: Record<string, Uint8Array> | null; data?: Uint8Array | null }) => ({
  metadata: Object.fromEntries(Object.entries(metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  data: Buffer.from(data ?? []).toString('base64'),
});

export function codecRouter({ codec, authorize, allowedOrigins }: CodecEndpointOptions): Router {
  const router = Router();
  // Cookies ride along only with `credentials: include`, which needs the exact origin echoed back, never `*`.
  router.use(
    codecPath,
    cors({
      origin: allowedOrigins,
      credentials: true,
      methods: ['POST'],
      allowedHeaders: ['content-type', 'x-namespace', 'authorization', 'authorization-extras'],
      maxAge: 600,
    }),
  );
  // Histories can hold larger payloads than the API's own 16 KiB bodies.
  router.use(codecPath, express.json({ limit: '4mb', verify: requireUtf8 }));

  async function authorized(req: Request, res: Response) {
    const decision = await authorize(req);
    if (decision.allowed) return true;
    if (decision.status === 401) res.set('WWW-Authenticate', 'Bearer realm="tripsaga codec"');
    sendError(res, decision.status, decision.status === 401 ? 'unauthenticated' : 'forbidden', decision.reason);
    return false;
  }

  for (const direction of ['encode', 'decode'] as const) {
    router.post(`${codecPath}/${direction}`, async (req, res) => {
      if (!(await authorized(req, res))) return;
      if (!req.is('application/json')) return sendError(res, 415, 'unsupported_media_type', 'Send the body as application/json');
      const parsed = payloadsSchema.safeParse(req.body);
      if (!parsed.success) {
        const fields = parsed.error.issues.map((issue) => ({ path: issue.path.map(String).join('.') || '(body)', reason: issue.message }));
        return sendError(res, 400, 'invalid_request', 'Send { "payloads": [{ "metadata": {…}, "data": "…" }] }', fields);
      }
      let payloads;
      try {
        payloads = await codec[direction](parsed.data.payloads.map(fromJson));
      } catch (error) {
        // Which key is missing or which payload failed its check is the operator's to know; the payloads are not echoed.
        return sendError(res, 422, 'undecodable_payload', (error as Error).message);
      }
      res.set('Cache-Control', 'no-store').json({ payloads: payloads.map(toJson) });
    });
  }

  // A browser session for the Web UI: the page sends the token once as a bearer, and gets it back as an HttpOnly cookie.
  router.get(`${codecPath}/session`, (_req, res) => {
    res.type('html').send(sessionPage);
  });
  router.get(`${codecPath}/session.js`, (_req, res) => {
    res.type('text/javascript').send(sessionScript);
  });
  router.post(`${codecPath}/session`, async (req, res) => {
    if (!(await authorized(req, res))) return;
    res.cookie(codecSessionCookie, presentedToken(req)!, {
      httpOnly: true,
      sameSite: 'strict',
      secure: req.secure,
      path: codecPath,
      maxAge: 12 * 60 * 60 * 1000,
    });
    res.status(204).end();
  });
  router.delete(`${codecPath}/session`, (_req, res) => {
    res.clearCookie(codecSessionCookie, { path: codecPath }).status(204).end();
  });

  const bodyErrors: ErrorRequestHandler = (error, _req, res, next) => {
    if ((error as { invalidUtf8?: boolean }).invalidUtf8) return sendError(res, 400, 'invalid_encoding', 'The request body is not valid UTF-8');
    switch ((error as { type?: string }).type) {
      case 'entity.parse.failed':
        return sendError(res, 400, 'malformed_json', 'The request body is not valid JSON');
      case 'entity.too.large':
        return sendError(res, 413, 'body_too_large', 'The request body is larger than 4 MiB');
    }
    next(error);
  };
  router.use(codecPath, bodyErrors);
  return router;
}

const sessionPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>tripsaga codec session</title></head>
<body>
<h1>Decode payloads in the Temporal Web UI</h1>
<p>Paste an operator token. This browser then keeps it as a cookie for <code>${codecPath}</code> only (12 hours).</p>
<form id="session"><label>Operator token <input id="token" name="token" type="password" autocomplete="off" required></label>
<button type="submit">Start session</button></form>
<p id="outcome" role="status"></p>
<script src="${codecPath}/session.js"></script>
</body></html>
`;

const sessionScript = `document.getElementById('session').addEventListener('submit', async (event) => {
  event.preventDefault();
  const token = document.getElementById('token').value.trim();
  const response = await fetch('${codecPath}/session', { method: 'POST', headers: { authorization: 'Bearer ' + token } });
  document.getElementById('outcome').textContent = response.ok
    ? 'Session started. In the Web UI, set the codec server to ' + location.origin + '${codecPath} with "Include cross-origin credentials".'
    : 'Refused: ' + ((await response.json().catch(() => null))?.error?.message ?? response.status);
});
`;
