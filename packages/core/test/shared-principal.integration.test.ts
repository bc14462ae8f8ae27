import { type AuthorizationServer, createAuthorizationServer } from '@tokenguard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authenticateNow, type RequestReader } from '../src/adapter.js';
import { AuthError } from '../src/errors.js';
import {
  type AuthContext,
  createTokenGuard,
  type TokenGuard,
  type TokenGuardOptions,
} from '../src/index.js';

// A token in the verified-token cache hands every request that presents it one frozen principal,
// and answers without a promise. What must still hold for each request on its own: its response
// headers (a private answer for a cookie or query token), the application's `isRevoked`, the
// logger's line for a rejection, and `verify()`.
let as: AuthorizationServer;
const guards: TokenGuard[] = [];

beforeAll(async () => {
  as = await createAuthorizationServer();
});
afterAll(async () => {
  for (const guard of guards) await guard.close();
  await as?.close();
});

function guardWith(options: Partial<TokenGuardOptions> = {}): TokenGuard {
  const guard = createTokenGuard({
    issuer: as.issuer,
    audience: as.audience,
    ...options,
  } as TokenGuardOptions);
  guards.push(guard);
  return guard;
}

const COOKIE = '__Host-access_token';
const byHeader = (token: string, origin?: string) => ({
  method: 'GET',
  url: 'https://api.example.com/orders',
  headers: { authorization: `Bearer ${token}`, ...(origin && { origin }) },
});
const byCookie = (token: string, origin?: string) => ({
  method: 'GET',
  url: 'https://api.example.com/orders',
  headers: { cookie: `${COOKIE}=${token}`, ...(origin && { origin }) },
});
const byQuery = (token: string) => ({
  method: 'GET',
  url: `https://api.example.com/orders?access_token=${token}`,
  headers: {},
});

async function rejection(promise: Promise<unknown>): Promise<AuthError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AuthError) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

type Plain = { method: string; url: string; headers: Record<string, string> };
const reader: RequestReader<Plain> = {
  method: (r) => r.method,
  headers: (r) => r.headers,
  rawHeaders: () => undefined,
  protocol: () => 'https',
  host: () => 'api.example.com',
  path: (r) => new URL(r.url).pathname + new URL(r.url).search,
  body: () => undefined,
  socket: () => undefined,
};

describe('one principal per cached token, and each request its own headers', () => {
  it('a cookie or query answer is private for that request only, never for a header request of the same token', async () => {
    const guard = guardWith({
      tokenLocations: ['header', 'query', { cookie: COOKIE }],
    });
    const token = await as.mintAccessToken({ sub: 'alice' });
    const header = await guard.authenticate(byHeader(token, 'https://app.example'));
    expect(header.responseHeaders).toBeUndefined();
    const cookie = await guard.authenticate(byCookie(token, 'https://app.example'));
    expect(cookie.responseHeaders).toEqual({ 'Cache-Control': 'private' });
    expect(cookie).not.toBe(header);
    const query = await guard.authenticate(byQuery(token));
    expect(query.responseHeaders).toEqual({ 'Cache-Control': 'private' });
    // The header request after them: the shared principal, still without headers.
    const again = await guard.authenticate(byHeader(token));
    expect(again).toBe(header);
    expect(again.responseHeaders).toBeUndefined();
    expect(Object.isFrozen(cookie)).toBe(true);
    expect(cookie.subject).toBe('alice');
  });

  it('asks isRevoked on every cache hit, also where the adapter toolkit answers without a promise', async () => {
    const revoked = new Set<string>();
    const seen: AuthContext[] = [];
    const guard = guardWith({
      isRevoked: (auth) => {
        seen.push(auth);
        return revoked.has(auth.claims.jti as string);
      },
    });
    const token = await as.mintAccessToken({ jti: 'hit-then-revoked' });
    const first = await guard.authenticate(byHeader(token));
    const hit = authenticateNow(guard, byHeader(token), reader);
    expect(hit).not.toBeInstanceOf(Promise);
    expect(hit).toBe(first);
    revoked.add('hit-then-revoked');
    expect(() => authenticateNow(guard, byHeader(token), reader)).toThrow(
      expect.objectContaining({ status: 401, code: 'invalid_token', reason: 'token.revoked' }),
    );
    expect(seen).toHaveLength(3);
    // An async check makes the hit wait for it: a promise, and the same 401.
    const later = guardWith({ isRevoked: async () => true });
    // (The first request verified the token and cached it; the check refused it.)
    expect((await rejection(later.authenticate(byHeader(token)))).reason).toBe('token.revoked');
    const pending = authenticateNow(later, byHeader(token), reader);
    expect(pending).toBeInstanceOf(Promise);
    expect((await rejection(pending as Promise<unknown>)).reason).toBe('token.revoked');
  });

  it('logs a rejection of a cached token at debug, as one of a first-seen token', async () => {
    const lines: string[] = [];
    const guard = guardWith({
      logger: { debug: (line: string) => lines.push(line), warn: () => undefined },
    });
    const token = await as.mintAccessToken({ scope: 'orders:read' });
    await guard.authenticate(byHeader(token));
    expect(lines).toEqual([]);
    const error = await rejection(guard.authenticate(byHeader(token), { scopes: ['admin'] }));
    expect(error.status).toBe(403);
    expect(() => authenticateNow(guard, byHeader(token), reader, { scopes: ['admin'] })).toThrow(
      expect.objectContaining({ status: 403 }),
    );
    expect(lines).toEqual([
      expect.stringMatching(
        /^tokenguard: rejected 403 insufficient_scope \(authz\.scope_missing\)/,
      ),
      expect.stringMatching(
        /^tokenguard: rejected 403 insufficient_scope \(authz\.scope_missing\)/,
      ),
    ]);
    expect(lines.join('\n')).not.toContain(token);
  });

  it('verify() takes a token cached by a request, and a request one verify() cached', async () => {
    const guard = guardWith({ tokenLocations: ['header', { cookie: COOKIE }] });
    const token = await as.mintAccessToken({ sub: 'bob', scope: 'orders:read' });
    const verified = await guard.verify(token, { scopes: ['orders:read'] });
    expect(verified.subject).toBe('bob');
    expect(verified.responseHeaders).toBeUndefined();
    expect(await guard.authenticate(byHeader(token))).toBe(verified);
    const cookie = await guard.authenticate(byCookie(token));
    expect(cookie.responseHeaders).toEqual({ 'Cache-Control': 'private' });
    expect(await guard.verify(token)).toBe(verified);
    expect((await rejection(guard.verify(token, { scopes: ['admin'] }))).status).toBe(403);
    expect(() => guard.verify(undefined as unknown as string)).toThrow(TypeError);
  });
});
