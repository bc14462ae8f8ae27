import { type AuthorizationServer, createAuthorizationServer } from '@tokenguard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthRequirements } from '../src/authorize/requirements.js';
import { AuthError } from '../src/errors.js';
import { type AuthContext, createTokenGuard, type TokenGuard } from '../src/index.js';

// What a handler gets in `auth` must not be a handle on shared state: the same verified token
// (and one empty scope set) is served to every request that presents it.
let as: AuthorizationServer;
let guard: TokenGuard;

beforeAll(async () => {
  as = await createAuthorizationServer();
  guard = createTokenGuard({
    issuer: as.issuer,
    audience: as.audience,
    introspection: {
      clientId: as.defaultClient.clientId,
      clientSecret: as.defaultClient.clientSecret,
    },
  });
});
afterAll(async () => {
  await guard?.close();
  await as?.close();
});

const request = (token: string) => ({
  method: 'GET',
  url: 'https://api.example.com/orders',
  headers: { authorization: `Bearer ${token}` },
});

async function status(token: string, requirements: AuthRequirements = {}): Promise<number> {
  try {
    await guard.authenticate(request(token), requirements);
    return 200;
  } catch (error) {
    if (error instanceof AuthError) return error.status;
    throw error;
  }
}

/** What a careless handler might do with `auth.scopes`. */
function tamper(auth: AuthContext): void {
  const scopes = auth.scopes as Set<string>;
  for (const attempt of [
    () => scopes.add('admin'),
    () => scopes.delete('orders:read'),
    () => scopes.clear(),
    () => Object.assign(scopes, { has: () => true }),
  ]) {
    try {
      attempt();
    } catch {
      // Refused: that is the point.
    }
  }
}

describe('auth.scopes is read-only', () => {
  it.each([
    ['a JWT with a scope', () => as.mintAccessToken({ scope: 'orders:read' })],
    ['a JWT without any scope', () => as.mintAccessToken({ scope: undefined })],
    ['an opaque token', () => as.mintOpaqueToken({ scope: 'orders:read' })],
  ])('changing it in one request changes nothing for the next (%s)', async (_name, mint) => {
    const token = await mint();
    const scopeless = await as.mintAccessToken({ scope: undefined });
    const before = [...(await guard.authenticate(request(token))).scopes];
    tamper(await guard.authenticate(request(token)));
    tamper(await guard.authenticate(request(scopeless)));
    expect(await status(token, { scopes: ['admin'] })).toBe(403);
    expect(await status(scopeless, { scopes: ['admin'] })).toBe(403);
    expect(
      await status(await as.mintAccessToken({ scope: undefined }), { anyScopes: ['admin'] }),
    ).toBe(403);
    expect([...(await guard.authenticate(request(token))).scopes]).toEqual(before);
    expect((await guard.authenticate(request(scopeless))).scopes.size).toBe(0);
  });

  it('throws a TypeError on every mutation, and reads like a Set', async () => {
    const auth = await guard.authenticate(request(await as.mintAccessToken({ scope: 'a b' })));
    const scopes = auth.scopes as Set<string>;
    expect(() => scopes.add('admin')).toThrow(TypeError);
    expect(() => scopes.delete('a')).toThrow(TypeError);
    expect(() => scopes.clear()).toThrow(TypeError);
    expect(() => Object.assign(scopes, { has: () => true })).toThrow(TypeError);
    expect(scopes.has('a')).toBe(true);
    expect(scopes.has('admin')).toBe(false);
    expect(scopes.size).toBe(2);
    expect([...scopes]).toEqual(['a', 'b']);
    expect([...scopes.keys()]).toEqual(['a', 'b']);
    expect([...scopes.values()]).toEqual(['a', 'b']);
    expect([...scopes.entries()]).toEqual([
      ['a', 'a'],
      ['b', 'b'],
    ]);
    const seen: string[] = [];
    scopes.forEach((value) => {
      seen.push(value);
    });
    expect(seen).toEqual(['a', 'b']);
    expect(new Set(scopes)).toEqual(new Set(['a', 'b']));
  });
});

describe('auth is read-only, and the same for every request that presents the token', () => {
  it('is frozen: a handler cannot change what the next request with the token gets', async () => {
    const token = await as.mintAccessToken({ sub: 'alice', scope: 'orders:read' });
    const first = await guard.authenticate(request(token));
    expect(Object.isFrozen(first)).toBe(true);
    expect(Object.isFrozen(first.claims)).toBe(true);
    expect(() => {
      (first as { subject?: string }).subject = 'mallory';
    }).toThrow(TypeError);
    expect(() => {
      (first.claims as { sub?: string }).sub = 'mallory';
    }).toThrow(TypeError);
    const second = await guard.authenticate(request(token));
    expect(second).toBe(first);
    expect(second.subject).toBe('alice');
    expect(second.claims.sub).toBe('alice');
  });

  it('gives each read of expiresAt its own Date, so moving one moves no other', async () => {
    const token = await as.mintAccessToken({ exp: 4_102_444_800 });
    const auth = await guard.authenticate(request(token));
    const date = auth.expiresAt as Date;
    expect(date.getTime()).toBe(4_102_444_800_000);
    date.setTime(0);
    expect((await guard.authenticate(request(token))).expiresAt?.getTime()).toBe(4_102_444_800_000);
    // It is an ordinary enumerable member: serialised and spread like the others.
    expect(JSON.parse(JSON.stringify(auth)).expiresAt).toBe('2100-01-01T00:00:00.000Z');
    expect({ ...auth }.expiresAt).toEqual(new Date(4_102_444_800_000));
  });

  it('shares one read-only scope set between tokens with the same scope string, never mixing them', async () => {
    const a = await guard.authenticate(request(await as.mintAccessToken({ scope: 'x y' })));
    const b = await guard.authenticate(request(await as.mintAccessToken({ scope: 'x y' })));
    const c = await guard.authenticate(request(await as.mintAccessToken({ scope: 'x' })));
    expect(b.scopes).toBe(a.scopes);
    expect([...c.scopes]).toEqual(['x']);
    expect(c.scopes.has('y')).toBe(false);
    tamper(a);
    expect([...b.scopes]).toEqual(['x', 'y']);
  });
});

describe('principalId identifies the caller without collisions', () => {
  const principal = async (claims: Record<string, unknown>) =>
    (await guard.authenticate(request(await as.mintAccessToken(claims)))).principalId;

  it('a subject that looks like a client is not that client', async () => {
    const subject = await principal({ sub: 'client:svc-a', client_id: 'other' });
    const client = await principal({ sub: undefined, client_id: 'svc-a' });
    expect(subject).not.toBe(client);
    expect(client).toBe(`${as.issuer}|client:svc-a`);
    expect(subject).toBe(`${as.issuer}|client%3Asvc-a`);
  });

  it('is the issuer, a bar and the subject for an ordinary subject, a bar in it included', async () => {
    expect(await principal({ sub: 'alice' })).toBe(`${as.issuer}|alice`);
    expect(await principal({ sub: 'a|b' })).toBe(`${as.issuer}|a|b`);
    expect(await principal({ sub: '100%' })).toBe(`${as.issuer}|100%25`);
  });

  it('is absent when nothing identifies the caller', async () => {
    const auth = await guard.authenticate(
      request(await as.mintAccessToken({ sub: undefined, client_id: undefined })),
    );
    expect(auth.principalId).toBeUndefined();
    expect('principalId' in auth).toBe(false);
    const opaque = await guard.authenticate(
      request(await as.mintOpaqueToken({ sub: undefined, client_id: undefined })),
    );
    expect(opaque.principalId).toBeUndefined();
  });
});
