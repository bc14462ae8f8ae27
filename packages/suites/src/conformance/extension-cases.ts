// The table's rows for the two extension points: a token in a cookie (opt-in, a same-site web
// client) and the application's own revocation check (`isRevoked`).

import { randomUUID } from 'node:crypto';
import type { AuthorizationServer, Claims } from '@tokenguard/testing';
import { sendRequest } from '../send.js';
import {
  bearer,
  bothChallenges,
  boundProof,
  challenge,
  get,
  INVALID,
  MALFORMED,
  malformedBody,
  ok,
  scopeError,
  unauthorized,
} from './cases.js';
import { revokeForConformance } from './revocation.js';
import { CONFORMANCE_COOKIE, type ConformanceCase, type ConformanceResponse } from './routes.js';

const cookie = (value: string) => ({ cookie: value });
/** `GET path` with a fresh token (these claims) in the conformance cookie, among others. */
const inCookie =
  (path: string, claims: Claims = {}) =>
  async (as: AuthorizationServer) =>
    get(path, cookie(`theme=dark; ${CONFORMANCE_COOKIE}=${await as.mintAccessToken(claims)}`));
const bare: ConformanceResponse = {
  status: 401,
  headers: { 'www-authenticate': challenge() },
  body: undefined,
};
/** A malformed request whose scheme is not known (no Authorization header): both challenges. */
const malformedCookie: ConformanceResponse = {
  status: 400,
  headers: { 'www-authenticate': bothChallenges(MALFORMED) },
  body: malformedBody,
};
const privately = (method: 'GET' | 'POST', path: string, subject: string | null) => {
  const answer = ok(method, path, subject);
  return { ...answer, headers: { ...answer.headers, 'cache-control': 'private' } };
};

/**
 * Cookie tokens: ignored by the conformance guard (which names no cookie), read by the cookie
 * guard (`guard: 'cookie'`) under the header's rules — token68 charset, length cap, one method
 * at a time — whichever way the framework parses cookies.
 */
export function cookieCases(): ConformanceCase[] {
  return [
    {
      name: 'a token in a cookie is ignored unless tokenLocations names that cookie: 401, bare challenge',
      request: inCookie('/me'),
      expected: bare,
    },
    {
      name: 'cookie guard: a token in the named cookie is accepted, and the answer is Cache-Control: private',
      guard: 'cookie',
      request: inCookie('/me'),
      expected: privately('GET', '/me', 'user-123'),
    },
    {
      name: 'cookie guard: the header still works, and its answer is not made private',
      guard: 'cookie',
      request: async (as) => get('/me', bearer(await as.mintAccessToken())),
      expected: { ...ok('GET', '/me', 'user-123'), headers: { 'cache-control': null } },
    },
    {
      name: 'cookie guard: a cookie token on an optional route',
      guard: 'cookie',
      request: inCookie('/optional'),
      expected: privately('GET', '/optional', 'user-123'),
    },
    {
      name: 'cookie guard: a cookie token is held to the route scopes (403)',
      guard: 'cookie',
      request: inCookie('/admin', { scope: 'orders:read' }),
      expected: scopeError('admin orders:admin'),
    },
    {
      name: 'cookie guard: a cookie of another name carries nothing: 401, bare challenge',
      guard: 'cookie',
      request: async (as) => get('/me', cookie(`access_token=${await as.mintAccessToken()}`)),
      expected: bare,
    },
    {
      name: 'cookie guard: an emptied cookie (after a logout) is no credentials: 401, bare challenge',
      guard: 'cookie',
      request: async () => get('/me', cookie(`${CONFORMANCE_COOKIE}=; theme=dark`)),
      expected: bare,
    },
    {
      name: 'cookie guard: a cookie and an Authorization header at once: 400 invalid_request',
      guard: 'cookie',
      request: async (as) => {
        const token = await as.mintAccessToken();
        return get('/me', { ...bearer(token), ...cookie(`${CONFORMANCE_COOKIE}=${token}`) });
      },
      expected: {
        status: 400,
        headers: { 'www-authenticate': challenge(MALFORMED) },
        body: malformedBody,
      },
    },
    {
      name: 'cookie guard: two cookies of that name (one planted by a sibling domain): 400 invalid_request',
      guard: 'cookie',
      request: async (as) =>
        get(
          '/me',
          cookie(
            `${CONFORMANCE_COOKIE}=${await as.mintAccessToken()}; ${CONFORMANCE_COOKIE}=${await as.mintAccessToken({ sub: 'mallory' })}`,
          ),
        ),
      expected: malformedCookie,
    },
    {
      name: 'cookie guard: a cookie value outside the token68 charset: 400 invalid_request',
      guard: 'cookie',
      request: async () => get('/me', cookie(`${CONFORMANCE_COOKIE}=not,a%20token`)),
      expected: malformedCookie,
    },
    {
      name: 'cookie guard: a cookie token longer than 8 KiB: 401 invalid_token',
      guard: 'cookie',
      request: async () => get('/me', cookie(`${CONFORMANCE_COOKIE}=${'a'.repeat(8193)}`)),
      expected: {
        status: 401,
        headers: { 'www-authenticate': bothChallenges(INVALID) },
        body: unauthorized.body,
      },
    },
    {
      name: 'cookie guard: a DPoP-bound token in a cookie is a bearer token: 401 invalid_token',
      guard: 'cookie',
      request: async (as, baseUrl) => {
        const { token } = await boundProof(as, 'GET', `${baseUrl}/me`);
        return get('/me', cookie(`${CONFORMANCE_COOKIE}=${token}`));
      },
      expected: {
        ...unauthorized,
        headers: { ...unauthorized.headers, 'cache-control': 'private' },
      },
    },
  ];
}

const unavailable: ConformanceResponse = {
  status: 503,
  headers: { 'retry-after': '5', 'cache-control': 'no-store', 'www-authenticate': null },
  body: {
    error: 'temporarily_unavailable',
    error_description: 'The authorization service is temporarily unavailable',
  },
};
/** `GET path` with a fresh bearer token whose `revocation_check` claim drives the check. */
const checked =
  (path: string, mode: string, claims: Claims = {}) =>
  async (as: AuthorizationServer) =>
    get(path, bearer(await as.mintAccessToken({ revocation_check: mode, ...claims })));

/**
 * The application's own revocation check (`isRevoked`, {@link conformanceIsRevoked}): `true` is
 * 401 `invalid_token`, a failing check is 503 (fail closed), it is asked on every request (a
 * cached token too) and only after every other check passed.
 */
export function revocationCases(): ConformanceCase[] {
  return [
    {
      name: 'isRevoked answers true (a revoked jti): 401 invalid_token',
      request: async (as) => {
        const jti = randomUUID();
        revokeForConformance(jti);
        return get('/me', bearer(await as.mintAccessToken({ jti })));
      },
      expected: unauthorized,
    },
    {
      name: 'isRevoked is asked on every request: a token accepted (and cached) before is refused once revoked',
      request: async (as, baseUrl) => {
        const jti = randomUUID();
        const request = get('/me', bearer(await as.mintAccessToken({ jti })));
        const first = await sendRequest(new URL('/me', baseUrl), request);
        if (first.status !== 200)
          throw new Error(`before revocation the token got ${first.status}`);
        revokeForConformance(jti);
        return request;
      },
      expected: unauthorized,
    },
    {
      name: 'isRevoked answers a promise of false: accepted',
      request: checked('/me', 'async-false'),
      expected: ok('GET', '/me', 'user-123'),
    },
    {
      name: 'isRevoked answers a promise of true: 401 invalid_token',
      request: checked('/me', 'async-true'),
      expected: unauthorized,
    },
    {
      name: 'isRevoked throws: 503 with Retry-After and Cache-Control: no-store, never an accept',
      request: checked('/me', 'throw'),
      expected: unavailable,
    },
    {
      name: 'isRevoked rejects: 503 with Retry-After and Cache-Control: no-store, never an accept',
      request: checked('/orders', 'reject'),
      expected: unavailable,
    },
    {
      name: 'isRevoked is asked for an opaque token too: a throwing check is 503',
      request: async (as) =>
        get('/orders', bearer(await as.mintOpaqueToken({ revocation_check: 'throw' }))),
      expected: unavailable,
    },
    {
      name: 'isRevoked runs after every other check: a missing scope is 403, not the check failing',
      request: checked('/admin', 'throw'),
      expected: scopeError('admin orders:admin'),
    },
    {
      name: 'isRevoked is not asked on an optional route without credentials',
      request: async () => get('/optional'),
      expected: ok('GET', '/optional', null),
    },
  ];
}
