import type { RequestHandler, Response } from 'express';
import { HttpError } from '../api/http-errors.ts';
import type { Principal, Role } from './principal.ts';
import { InvalidTokenError, type TokenVerifier } from './verify-token.ts';

/**
 * The HTTP side of authentication, for any Express app of ours (the API, a codec endpoint): `authenticate` reads
 * and verifies the bearer token once; `requireRole` guards a route. They are split so that middleware in between
 * (the rate limiter) can count a caller by token subject, or by address when the token is missing or bad.
 */

type Authentication = { principal: Principal } | { problem: string } | { anonymous: true };

const realm = 'Bearer realm="tripsaga"';

/** Never refuses by itself: it records who the caller is, or why their token was not accepted. */
export function authenticate(verifier: TokenVerifier): RequestHandler {
  return async (req, res, next) => {
    res.locals.authentication = await authenticationOf(verifier, req.get('authorization'));
    next();
  };
}

async function authenticationOf(verifier: TokenVerifier, header: string | undefined): Promise<Authentication> {
  if (header === undefined || header === '') return { anonymous: true };
  const match = /^Bearer +([A-Za-z0-9._~+/-]+=*) *$/i.exec(header);
  if (!match) return { problem: 'the Authorization header must be "Bearer <token>"' };
  try {
    return { principal: await verifier.verify(match[1]!) };
  } catch (error) {
    if (error instanceof InvalidTokenError) return { problem: error.message };
    throw error;
  }
}

/**
 * Route guards take any route's parameters, so that a route's own handler keeps its typed `req.params`.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any route: the route infers its own params
export type Guard = RequestHandler<any>;

/** 401 without a valid token (with WWW-Authenticate, RFC 6750), 403 with a valid one of another role. */
export function requireRole(...allowed: Role[]): Guard {
  return (_req, res, next) => {
    const principal = principalOf(res);
    if (!allowed.includes(principal.role)) {
      throw new HttpError(403, 'forbidden', `This is for ${allowed.map((role) => `${role}s`).join(' and ')}`, undefined, {
        'WWW-Authenticate': `${realm}, error="insufficient_scope"`,
      });
    }
    next();
  };
}

/** The caller of a route behind `requireRole`; a 401 if there is none (the route forgot its guard: fail closed). */
export function principalOf(res: Response): Principal {
  const authentication = res.locals.authentication as Authentication | undefined;
  if (authentication && 'principal' in authentication) return authentication.principal;
  if (authentication && 'problem' in authentication) {
    throw new HttpError(401, 'invalid_token', `Not signed in: ${authentication.problem}`, undefined, {
      'WWW-Authenticate': `${realm}, error="invalid_token", error_description="${authentication.problem.replace(/["\\]/g, "'")}"`,
    });
  }
  throw new HttpError(401, 'unauthenticated', 'Sign in: send Authorization: Bearer <token>', undefined, { 'WWW-Authenticate': realm });
}

/** Who is calling, if a valid token says so (for the rate limiter's key and the log). */
export function callerOf(res: Response): Principal | undefined {
  const authentication = res.locals.authentication as Authentication | undefined;
  return authentication && 'principal' in authentication ? authentication.principal : undefined;
}

/**
 * For a caller outside Express's flow (a codec endpoint's own server, a WebSocket upgrade): the principal an
 * Authorization header proves, or the same 401 HttpError `requireRole` would raise.
 */
export async function verifyToken(verifier: TokenVerifier, authorization: string | undefined): Promise<Principal> {
  const res = { locals: { authentication: await authenticationOf(verifier, authorization) } } as unknown as Response;
  return principalOf(res);
}
