import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { type AuthorizationServer, createAuthorizationServer } from '@tokenguard/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AuthRequirements } from '../src/authorize/requirements.js';
import {
  type AuthContext,
  AuthError,
  channels,
  createTokenGuard,
  type RevocationCheck,
  type TokenGuard,
} from '../src/index.js';

// The application's own revocation check (`isRevoked`), against a real authorization server:
// what each of its answers makes of the request, and that it runs on every request, cached
// tokens included, and only once every other check passed.
let as: AuthorizationServer;
const guards: TokenGuard[] = [];

beforeAll(async () => {
  as = await createAuthorizationServer();
});
afterEach(async () => {
  await Promise.all(guards.splice(0).map((guard) => guard.close()));
});
afterAll(async () => {
  await as?.close();
});

function guardWith(isRevoked: RevocationCheck): TokenGuard {
  const guard = createTokenGuard({ issuer: as.issuer, audience: as.audience, isRevoked });
  guards.push(guard);
  return guard;
}

const request = (token?: string) => ({
  method: 'GET',
  url: 'https://api.example.com/orders',
  headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
});

/** What the client is answered, and the reason core gives itself. */
async function outcome(
  guard: TokenGuard,
  token: string | undefined,
  requirements: AuthRequirements = {},
): Promise<{
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  reason?: string;
  cause?: unknown;
}> {
  try {
    await guard.authenticate(request(token), requirements);
    return { status: 200 };
  } catch (error) {
    if (!(error instanceof AuthError)) throw error;
    const { status, headers, body } = error.toResponse();
    return {
      status,
      headers: { ...headers },
      body: body === undefined ? undefined : JSON.parse(body),
      reason: error.reason,
      cause: error.cause,
    };
  }
}

const REVOKED = {
  status: 401,
  headers: {
    'WWW-Authenticate':
      'Bearer error="invalid_token", error_description="The access token is invalid"',
    'Content-Type': 'application/json',
  },
  body: { error: 'invalid_token', error_description: 'The access token is invalid' },
  reason: 'token.revoked',
  cause: undefined,
};
const UNAVAILABLE = {
  status: 503,
  headers: {
    'Retry-After': '5',
    'Cache-Control': 'no-store',
    'Content-Type': 'application/json',
  },
  body: {
    error: 'temporarily_unavailable',
    error_description: 'The authorization service is temporarily unavailable',
  },
};

describe('isRevoked: what its answer makes of the request', () => {
  it('false: accepted, and the check saw the verified principal', async () => {
    const seen: AuthContext[] = [];
    const guard = guardWith((auth) => {
      seen.push(auth);
      return false;
    });
    const token = await as.mintAccessToken({ jti: 'jti-1' });
    expect(await outcome(guard, token)).toEqual({ status: 200 });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ subject: 'user-123', issuer: as.issuer, token });
    expect(seen[0]?.claims.jti).toBe('jti-1');
    expect([...(seen[0]?.scopes ?? [])]).toEqual(['orders:read']);
  });

  it('true, sync or async: 401 invalid_token', async () => {
    const token = await as.mintAccessToken();
    expect(
      await outcome(
        guardWith(() => true),
        token,
      ),
    ).toEqual(REVOKED);
    expect(
      await outcome(
        guardWith(async () => true),
        token,
      ),
    ).toEqual(REVOKED);
  });

  it('a throw or a rejection: 503 with Retry-After and no-store (fail closed), the error as cause', async () => {
    const token = await as.mintAccessToken();
    const down = new Error('ECONNREFUSED 127.0.0.1:6379');
    expect(
      await outcome(
        guardWith(() => {
          throw down;
        }),
        token,
      ),
    ).toEqual({ ...UNAVAILABLE, reason: 'revocation.failed', cause: down });
    expect(
      await outcome(
        guardWith(() => Promise.reject(down)),
        token,
      ),
    ).toEqual({
      ...UNAVAILABLE,
      reason: 'revocation.failed',
      cause: down,
    });
  });

  it('anything but true or false (a forgotten return): 503, never an accept', async () => {
    const token = await as.mintAccessToken();
    for (const answer of [undefined, null, 0, 1, 'false', {}]) {
      const check = (() => answer) as unknown as RevocationCheck;
      expect(await outcome(guardWith(check), token)).toEqual({
        ...UNAVAILABLE,
        reason: 'revocation.not_boolean',
        cause: undefined,
      });
      expect(
        await outcome(guardWith((async () => answer) as unknown as RevocationCheck), token),
      ).toMatchObject({ status: 503, reason: 'revocation.not_boolean' });
    }
  });

  it('a 503 from the check never reaches the client with its message', async () => {
    const token = await as.mintAccessToken();
    const result = await outcome(
      guardWith(() => {
        throw new Error(`secret ${token}`);
      }),
      token,
    );
    expect(JSON.stringify([result.headers, result.body])).not.toContain('secret');
  });
});

describe('isRevoked: when it runs', () => {
  it('on every request, a token served from the verified-token cache included', async () => {
    const revoked = new Set<string>();
    const calls: string[] = [];
    const guard = guardWith((auth) => {
      calls.push(String(auth.claims.jti));
      return revoked.has(String(auth.claims.jti));
    });
    const cached: boolean[] = [];
    const onAuthenticated = (event: unknown) => cached.push((event as { cached: boolean }).cached);
    subscribe(channels.authenticated, onAuthenticated);
    try {
      const token = await as.mintAccessToken({ jti: 'cached-then-revoked' });
      expect(await outcome(guard, token)).toEqual({ status: 200 });
      expect(await outcome(guard, token)).toEqual({ status: 200 });
      revoked.add('cached-then-revoked');
      expect(await outcome(guard, token)).toEqual(REVOKED);
      expect(calls).toEqual(['cached-then-revoked', 'cached-then-revoked', 'cached-then-revoked']);
      // The second request was a cache hit: no signature check, and still asked.
      expect(cached).toEqual([false, true]);
    } finally {
      unsubscribe(channels.authenticated, onAuthenticated);
    }
  });

  it('only after every other check passed: not for a bad token, a missing scope or no token', async () => {
    let calls = 0;
    const guard = guardWith(() => {
      calls++;
      return true;
    });
    expect(await outcome(guard, await as.mintAccessToken({}, { expiresIn: -120 }))).toMatchObject({
      status: 401,
      reason: 'jwt.expired',
    });
    expect(
      await outcome(guard, await as.mintAccessToken(), { scopes: ['orders:write'] }),
    ).toMatchObject({ status: 403 });
    expect(await outcome(guard, undefined, { optional: true })).toEqual({ status: 200 });
    expect(await outcome(guard, undefined)).toMatchObject({ status: 401 });
    expect(calls).toBe(0);
    expect(await outcome(guard, await as.mintAccessToken())).toMatchObject({ status: 401 });
    expect(calls).toBe(1);
  });

  it('publishes the rejection with its reason, and no authenticated event', async () => {
    const events: string[] = [];
    const onRejected = (event: unknown) =>
      events.push(`rejected ${(event as { reason: string }).reason}`);
    const onAuthenticated = () => events.push('authenticated');
    subscribe(channels.rejected, onRejected);
    subscribe(channels.authenticated, onAuthenticated);
    try {
      const token = await as.mintAccessToken();
      await outcome(
        guardWith(() => true),
        token,
      );
      await outcome(
        guardWith(() => {
          throw new Error('down');
        }),
        token,
      );
      await outcome(
        guardWith(() => false),
        token,
      );
      expect(events).toEqual([
        'rejected token.revoked',
        'rejected revocation.failed',
        'authenticated',
      ]);
    } finally {
      unsubscribe(channels.rejected, onRejected);
      unsubscribe(channels.authenticated, onAuthenticated);
    }
  });
});
