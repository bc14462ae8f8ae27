// The shared table of adapter cases: each request, and the exact status, headers and body every
// adapter must answer with.

import { randomBytes } from 'node:crypto';
import {
  type AuthorizationServer,
  type Claims,
  createDpopKey,
  createDpopProof,
  type DpopProofInput,
  type MintAccessTokenOptions,
} from '@tokenguard/testing';
import { sendRequest } from '../send.js';
import {
  CONFORMANCE_GUARD_ANY_SCOPES,
  CONFORMANCE_REALM,
  CONFORMANCE_RESOURCE,
  CONFORMANCE_SCOPES,
  type ConformanceCase,
  type ConformanceRequest,
  type ConformanceResponse,
} from './routes.js';

/** The DPoP algorithms of the conformance guard, as its challenges list them. */
const DPOP_ALGS = 'ES256 EdDSA';

const METADATA = `${CONFORMANCE_RESOURCE}/.well-known/oauth-protected-resource`;
const DPOP_CHALLENGE = `DPoP realm="${CONFORMANCE_REALM}", algs="${DPOP_ALGS}", resource_metadata="${METADATA}"`;
/** The Bearer challenge (with the error, when the client used Bearer), then the DPoP one. */
export const challenge = (params = '') =>
  `Bearer realm="${CONFORMANCE_REALM}"${params}, resource_metadata="${METADATA}", ${DPOP_CHALLENGE}`;
/** The challenge when the client used the DPoP scheme: the error goes on the DPoP challenge. */
const dpopChallenge = (params: string) =>
  `Bearer realm="${CONFORMANCE_REALM}", resource_metadata="${METADATA}", DPoP realm="${CONFORMANCE_REALM}"${params}, algs="${DPOP_ALGS}", resource_metadata="${METADATA}"`;
/** Both challenges carry the error: the request was refused before its scheme was known. */
export const bothChallenges = (params: string) =>
  `Bearer realm="${CONFORMANCE_REALM}"${params}, resource_metadata="${METADATA}", DPoP realm="${CONFORMANCE_REALM}"${params}, algs="${DPOP_ALGS}", resource_metadata="${METADATA}"`;
export const INVALID = ', error="invalid_token", error_description="The access token is invalid"';
export const MALFORMED = ', error="invalid_request", error_description="The request is malformed"';
export const malformedBody = {
  error: 'invalid_request',
  error_description: 'The request is malformed',
};
const invalidBody = { error: 'invalid_token', error_description: 'The access token is invalid' };
export const scopeError = (scope: string) => ({
  status: 403,
  headers: {
    'content-type': 'application/json',
    'www-authenticate': challenge(
      `, error="insufficient_scope", error_description="The access token lacks the required scope", scope="${scope}"`,
    ),
  },
  body: {
    error: 'insufficient_scope',
    error_description: 'The access token lacks the required scope',
  },
});
const claimError: ConformanceResponse = {
  status: 403,
  headers: {
    'content-type': 'application/json',
    'www-authenticate': challenge(
      ', error="insufficient_scope", error_description="The access token is not authorized for this resource"',
    ),
  },
  body: {
    error: 'insufficient_scope',
    error_description: 'The access token is not authorized for this resource',
  },
};
export const unauthorized: ConformanceResponse = {
  status: 401,
  headers: { 'www-authenticate': challenge(INVALID), 'content-type': 'application/json' },
  body: invalidBody,
};
export const ok = (method: 'GET' | 'POST', path: string, subject: string | null, status = 200) => ({
  status,
  headers: { 'www-authenticate': null },
  body: { route: `${method} ${path}`, subject },
});

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
/** A case's request: `GET path` with a token minted with these claims and options. */
const withToken =
  (path: string, claims: Claims = {}, options?: MintAccessTokenOptions) =>
  async (as: AuthorizationServer) =>
    get(path, bearer(await as.mintAccessToken(claims, options)));
export const get = (
  path: string,
  headers: Record<string, string | string[]> = {},
): ConformanceRequest => ({
  method: 'GET',
  path,
  headers,
});

/** A fresh DPoP key, an access token bound to it (`cnf.jkt`), and one proof for `htm` `htu`. */
export async function boundProof(
  as: AuthorizationServer,
  htm: string,
  htu: string,
  proof: Partial<DpopProofInput> = {},
): Promise<{ token: string; proof: string }> {
  const key = createDpopKey();
  const token = await as.mintAccessToken({ cnf: { jkt: key.thumbprint } });
  return { token, proof: await createDpopProof({ key, htm, htu, accessToken: token, ...proof }) };
}

/**
 * The shared table's rows about the header, challenges, DPoP and introspection: requests and the
 * exact status, headers and body every adapter must answer with. `conformanceCases()` from
 * `./table.js` is the whole table (these rows, then the extension points').
 */
export function conformanceCases(): ConformanceCase[] {
  return [
    {
      name: 'public route without a token',
      request: async () => get('/health'),
      expected: ok('GET', '/health', null),
    },
    {
      name: 'no credentials: 401 with a bare challenge and no body',
      request: async () => get('/me'),
      expected: { status: 401, headers: { 'www-authenticate': challenge() }, body: undefined },
    },
    {
      name: 'another scheme (Basic) counts as no credentials',
      request: async () => get('/me', { authorization: 'Basic dXNlcjpwYXNz' }),
      expected: { status: 401, headers: { 'www-authenticate': challenge() }, body: undefined },
    },
    {
      name: 'valid token',
      request: withToken('/me'),
      expected: ok('GET', '/me', 'user-123'),
    },
    {
      name: 'valid token, scheme in lower case',
      request: async (as) => get('/me', { authorization: `bearer ${await as.mintAccessToken()}` }),
      expected: ok('GET', '/me', 'user-123'),
    },
    {
      name: 'required scope present',
      request: withToken('/orders', { scope: 'orders:read' }),
      expected: ok('GET', '/orders', 'user-123'),
    },
    {
      name: 'required scope present on POST',
      request: async (as) => ({
        method: 'POST',
        path: '/orders',
        headers: bearer(await as.mintAccessToken({ scope: 'orders:read orders:write' })),
      }),
      expected: ok('POST', '/orders', 'user-123', 201),
    },
    {
      name: 'required scope missing: 403 insufficient_scope',
      request: async (as) => ({
        method: 'POST',
        path: '/orders',
        headers: bearer(await as.mintAccessToken({ scope: 'orders:read' })),
      }),
      expected: scopeError('orders:write'),
    },
    {
      name: 'one of anyScopes present',
      request: withToken('/admin', { scope: 'orders:admin' }),
      expected: ok('GET', '/admin', 'user-123'),
    },
    {
      name: 'none of anyScopes present: 403',
      request: withToken('/admin', { scope: 'orders:read' }),
      expected: scopeError('admin orders:admin'),
    },
    {
      name: 'route claim rule satisfied',
      request: withToken('/tenant', { tenant: 'acme' }),
      expected: ok('GET', '/tenant', 'user-123'),
    },
    {
      name: 'route claim rule failed: 403',
      request: withToken('/tenant', { tenant: 'globex' }),
      expected: claimError,
    },
    {
      name: "guard anyScopes are kept beside the route's: one of the route's only is 403",
      request: withToken('/admin', { scope: 'admin' }),
      expected: scopeError(CONFORMANCE_GUARD_ANY_SCOPES.join(' ')),
    },
    {
      name: "guard anyScopes and the route's both met",
      request: withToken('/admin', { scope: 'admin orders:write' }),
      expected: ok('GET', '/admin', 'user-123'),
    },
    {
      name: 'composed claim rules: every level holds',
      request: withToken('/tenant/admin', { tenant: 'acme', role: 'admin' }),
      expected: ok('GET', '/tenant/admin', 'user-123'),
    },
    {
      name: "composed claim rules: the inner level's rules (a role, tenant exists) do not replace the outer level's tenant",
      request: withToken('/tenant/admin', { tenant: 'evilcorp', role: 'admin' }),
      expected: claimError,
    },
    {
      name: 'composed claim rules: the inner level still holds',
      request: withToken('/tenant/admin', { tenant: 'acme', role: 'user' }),
      expected: claimError,
    },
    {
      name: 'composed anyScopes: one of each group',
      request: withToken('/reports', { scope: 'orders:read reports:read' }),
      expected: ok('GET', '/reports', 'user-123'),
    },
    {
      name: 'composed anyScopes: the inner group does not replace the outer one (403 names the outer)',
      request: withToken('/reports', { scope: 'orders:read' }),
      expected: scopeError('reports:read reports:admin'),
    },
    {
      name: 'composed anyScopes: the outer group does not replace the inner one (403 names the inner)',
      request: withToken('/reports', { scope: 'orders:write reports:admin' }),
      expected: scopeError('orders:read orders:admin'),
    },
    {
      name: 'an optional outer level does not make a required route anonymous',
      request: async () => get('/optional/orders'),
      expected: { status: 401, headers: { 'www-authenticate': challenge() }, body: undefined },
    },
    {
      name: 'an optional outer level, the route requires a scope: present',
      request: withToken('/optional/orders'),
      expected: ok('GET', '/optional/orders', 'user-123'),
    },
    {
      name: 'an optional outer level, the route requires a scope: missing',
      request: withToken('/optional/orders', { scope: 'orders:write' }),
      expected: scopeError('orders:read'),
    },
    {
      name: 'expired token',
      request: withToken('/me', {}, { expiresIn: -120 }),
      expected: {
        status: 401,
        headers: {
          'content-type': 'application/json',
          'www-authenticate': challenge(
            ', error="invalid_token", error_description="The access token expired"',
          ),
        },
        body: { error: 'invalid_token', error_description: 'The access token expired' },
      },
    },
    {
      name: 'tampered token',
      request: async (as) => {
        const [h, p, s] = (await as.mintAccessToken()).split('.') as [string, string, string];
        const claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
        claims.scope = 'orders:read orders:write admin';
        return get(
          '/me',
          bearer(`${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${s}`),
        );
      },
      expected: unauthorized,
    },
    {
      name: 'token for another audience',
      request: withToken('/me', { aud: 'https://other.example' }),
      expected: unauthorized,
    },
    {
      name: 'token from an untrusted issuer',
      request: withToken('/me', { iss: 'https://evil.example' }),
      expected: unauthorized,
    },
    {
      name: 'unsigned token (alg none)',
      request: withToken('/me', {}, { alg: 'none' }),
      expected: unauthorized,
    },
    {
      name: 'token longer than 8 KiB',
      request: async () => get('/me', bearer('a'.repeat(8193))),
      expected: unauthorized,
    },
    {
      name: 'malformed Authorization header: 400 invalid_request',
      request: async () => get('/me', { authorization: 'Bearer' }),
      expected: {
        status: 400,
        headers: {
          'content-type': 'application/json',
          'www-authenticate': challenge(
            ', error="invalid_request", error_description="The request is malformed"',
          ),
        },
        body: { error: 'invalid_request', error_description: 'The request is malformed' },
      },
    },
    {
      name: 'Bearer followed by a tab instead of a space: 400 invalid_request',
      request: async (as) => get('/me', { authorization: `Bearer\t${await as.mintAccessToken()}` }),
      expected: {
        status: 400,
        headers: { 'content-type': 'application/json', 'www-authenticate': challenge(MALFORMED) },
        body: malformedBody,
      },
    },
    {
      name: 'two Authorization headers: 400 invalid_request, the error on both challenges',
      request: async (as) => {
        const token = await as.mintAccessToken();
        return get('/me', { authorization: [`Bearer ${token}`, `Bearer ${token}`] });
      },
      expected: {
        status: 400,
        headers: {
          'content-type': 'application/json',
          'www-authenticate': bothChallenges(MALFORMED),
        },
        body: malformedBody,
      },
    },
    {
      name: 'optional route without credentials: anonymous',
      request: async () => get('/optional'),
      expected: ok('GET', '/optional', null),
    },
    {
      name: 'optional route with a valid token',
      request: withToken('/optional'),
      expected: ok('GET', '/optional', 'user-123'),
    },
    {
      name: 'optional route with a bad token: still rejected',
      request: withToken('/optional', {}, { alg: 'none' }),
      expected: unauthorized,
    },
    {
      name: 'cross-origin rejection exposes WWW-Authenticate',
      request: async () => get('/me', { origin: 'https://app.example.com' }),
      expected: {
        status: 401,
        headers: {
          'www-authenticate': challenge(),
          'access-control-expose-headers': 'WWW-Authenticate',
        },
        body: undefined,
      },
    },
    {
      name: 'JWKS down: 503 with Retry-After and Cache-Control: no-store, never an accept',
      setup: (as) => as.faults.set('jwks', { status: 500 }),
      cleanup: (as) => as.faults.clear('jwks'),
      request: withToken('/me', {}, { key: 'unpublished', kid: 'not-yet-published' }),
      expected: {
        status: 503,
        headers: {
          'content-type': 'application/json',
          'retry-after': '1',
          'cache-control': 'no-store',
          'www-authenticate': null,
        },
        body: {
          error: 'temporarily_unavailable',
          error_description: 'The authorization service is temporarily unavailable',
        },
      },
    },
    {
      name: 'opaque token, accepted through introspection',
      request: async (as) =>
        get('/orders', bearer(await as.mintOpaqueToken({ sub: 'opaque-user' }))),
      expected: ok('GET', '/orders', 'opaque-user'),
    },
    {
      name: 'revoked opaque token: 401',
      request: async (as) => {
        const token = await as.mintOpaqueToken();
        as.revoke(token);
        return get('/me', bearer(token));
      },
      expected: unauthorized,
    },
    {
      name: 'introspection refuses a made-up token with 413: 401, and the next opaque token is accepted',
      request: async (as, baseUrl) => {
        // One odd answer about one token must not start the backoff that would make every
        // other opaque token a 503.
        as.faults.set('introspection', { status: 413, times: 1 });
        const refused = await sendRequest(
          new URL('/me', baseUrl),
          get('/me', bearer(randomBytes(3000).toString('base64url'))),
        );
        if (refused.status !== 401) throw new Error(`the refused token got ${refused.status}`);
        return get('/orders', bearer(await as.mintOpaqueToken({ sub: 'after-413' })));
      },
      expected: ok('GET', '/orders', 'after-413'),
    },
    {
      name: 'introspection saturated by made-up tokens: 503 with Retry-After, never a call more',
      request: async (as, baseUrl) => {
        // The authorization server holds every call: core's default 16 calls in flight and 64
        // queued fill up, and the next made-up token is answered 503 (at once, or after waiting
        // its turn in the queue), not sent upstream.
        as.faults.set('introspection', { hang: true });
        as.resetCounts();
        for (let i = 0; i < 100; i++) {
          sendRequest(
            new URL('/me', baseUrl),
            get('/me', bearer(randomBytes(24).toString('base64url'))),
          ).catch(() => {});
        }
        for (let i = 0; i < 100 && as.counts.introspection < 16; i++) {
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
        return get('/me', bearer(randomBytes(24).toString('base64url')));
      },
      // Answers the held calls (and lets the queue drain) once the case is sent.
      cleanup: (as) => as.faults.clear('introspection'),
      expected: {
        status: 503,
        headers: {
          'content-type': 'application/json',
          'retry-after': '1',
          'www-authenticate': null,
        },
        body: {
          error: 'temporarily_unavailable',
          error_description: 'The authorization service is temporarily unavailable',
        },
      },
    },
    {
      name: 'DPoP-bound token with a proof for this request',
      request: async (as, baseUrl) => {
        const { token, proof } = await boundProof(as, 'GET', `${baseUrl}/orders`);
        return get('/orders', { authorization: `DPoP ${token}`, dpop: proof });
      },
      expected: ok('GET', '/orders', 'user-123'),
    },
    {
      name: 'DPoP proof dated 10 s ahead (client clock skew): accepted',
      request: async (as, baseUrl) => {
        const iat = Math.floor(Date.now() / 1000) + 10;
        const { token, proof } = await boundProof(as, 'GET', `${baseUrl}/orders`, { iat });
        return get('/orders', { authorization: `DPoP ${token}`, dpop: proof });
      },
      expected: ok('GET', '/orders', 'user-123'),
    },
    {
      name: 'DPoP proof whose htu percent-encodes unreserved characters (RFC 3986 §6.2.2): accepted',
      request: async (as, baseUrl) => {
        const htu = `${baseUrl}/%6frd%65rs`;
        const { token, proof } = await boundProof(as, 'GET', htu, { rawHtu: true });
        return get('/orders', { authorization: `DPoP ${token}`, dpop: proof });
      },
      expected: ok('GET', '/orders', 'user-123'),
    },
    {
      name: 'DPoP proof replayed: 401 invalid_dpop_proof',
      request: async (as, baseUrl) => {
        const { token, proof } = await boundProof(as, 'GET', `${baseUrl}/me`);
        const headers = { authorization: `DPoP ${token}`, dpop: proof };
        const first = await sendRequest(new URL('/me', baseUrl), {
          method: 'GET',
          headers,
        });
        if (first.status !== 200) throw new Error(`the first use of the proof got ${first.status}`);
        return get('/me', headers);
      },
      expected: {
        status: 401,
        headers: {
          'content-type': 'application/json',
          'www-authenticate': dpopChallenge(
            ', error="invalid_dpop_proof", error_description="The DPoP proof is invalid"',
          ),
        },
        body: { error: 'invalid_dpop_proof', error_description: 'The DPoP proof is invalid' },
      },
    },
    {
      name: 'DPoP proof for another URL: 401 invalid_dpop_proof',
      request: async (as, baseUrl) => {
        const { token, proof } = await boundProof(as, 'GET', `${baseUrl}/orders`);
        return get('/me', { authorization: `DPoP ${token}`, dpop: proof });
      },
      expected: {
        status: 401,
        headers: {
          'content-type': 'application/json',
          'www-authenticate': dpopChallenge(
            ', error="invalid_dpop_proof", error_description="The DPoP proof is invalid"',
          ),
        },
        body: { error: 'invalid_dpop_proof', error_description: 'The DPoP proof is invalid' },
      },
    },
    {
      name: 'DPoP-bound token sent as a bearer token: 401 invalid_token',
      request: async (as) =>
        get('/me', bearer(await as.mintAccessToken({ cnf: { jkt: createDpopKey().thumbprint } }))),
      expected: unauthorized,
    },
    {
      name: 'DPoP scheme without a DPoP header: 400 invalid_request (a missing parameter)',
      request: async (as) => {
        const key = createDpopKey();
        return get('/me', {
          authorization: `DPoP ${await as.mintAccessToken({ cnf: { jkt: key.thumbprint } })}`,
        });
      },
      expected: {
        status: 400,
        headers: {
          'content-type': 'application/json',
          'www-authenticate': dpopChallenge(MALFORMED),
        },
        body: malformedBody,
      },
    },
    {
      name: 'protected resource metadata (RFC 9728)',
      request: async () => get('/.well-known/oauth-protected-resource'),
      expected: {
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: {
          resource: CONFORMANCE_RESOURCE,
          authorization_servers: ['<issuer>'],
          bearer_methods_supported: ['header'],
          scopes_supported: [...CONFORMANCE_SCOPES],
          dpop_signing_alg_values_supported: ['ES256', 'EdDSA'],
        },
      },
    },
  ];
}
