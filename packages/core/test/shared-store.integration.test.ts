import { type AuthorizationServer, createAuthorizationServer } from '@tokenguard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthError } from '../src/errors.js';
import { createTokenGuard, type TokenGuard } from '../src/index.js';
import { createMemoryStore, type Store } from '../src/store.js';

// Two APIs trusting different authorization servers, sharing one store (as two services sharing
// one Redis would): what one learned from its authorization server must never answer for the
// other. The answers here carry no `iss` and no `aud` (RFC 7662 allows both to be left out), so
// nothing in the answer itself tells the guards apart.
let asA: AuthorizationServer;
let asB: AuthorizationServer;

beforeAll(async () => {
  [asA, asB] = await Promise.all([createAuthorizationServer(), createAuthorizationServer()]);
});
afterAll(async () => {
  await Promise.all([asA?.close(), asB?.close()]);
});

function guardFor(as: AuthorizationServer, store: Store): TokenGuard {
  return createTokenGuard({
    issuer: as.issuer,
    audience: as.audience,
    store,
    // No local verified-token cache: every answer comes from the store or the server.
    cache: false,
    introspection: {
      clientId: as.defaultClient.clientId,
      clientSecret: as.defaultClient.clientSecret,
      // These answers carry no aud; accepting that is this test's explicit choice.
      requireAudience: false,
    },
  });
}

async function status(guard: TokenGuard, token: string): Promise<number> {
  try {
    await guard.authenticate({
      method: 'GET',
      url: 'https://api.example.com/orders',
      headers: { authorization: `Bearer ${token}` },
    });
    return 200;
  } catch (error) {
    if (error instanceof AuthError) return error.status;
    throw error;
  }
}

describe('two guards sharing one store never read each other’s introspection answers', () => {
  it('B asks its own authorization server about a token A already introspected', async () => {
    const store = createMemoryStore();
    const a = guardFor(asA, store);
    const b = guardFor(asB, store);
    try {
      const token = await asA.mintOpaqueToken({
        iss: undefined,
        aud: undefined,
        scope: 'orders:read orders:write',
      });
      asA.resetCounts();
      asB.resetCounts();
      expect(await status(a, token)).toBe(200);
      expect(await status(b, token)).toBe(401);
      expect([asA.counts.introspection, asB.counts.introspection]).toEqual([1, 1]);
      // And the other way round: B's negative answer is not A's.
      expect(await status(a, token)).toBe(200);
      expect(asA.counts.introspection).toBe(1);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('two guards with the same configuration still share answers (one API, two instances)', async () => {
    const store = createMemoryStore();
    const [one, two] = [guardFor(asA, store), guardFor(asA, store)];
    try {
      const token = await asA.mintOpaqueToken();
      asA.resetCounts();
      expect(await status(one, token)).toBe(200);
      expect(await status(two, token)).toBe(200);
      expect(asA.counts.introspection).toBe(1);
    } finally {
      await one.close();
      await two.close();
    }
  });

  it('the same issuer and endpoint but another client id or resource is another namespace', async () => {
    const keys: string[] = [];
    const entries = new Map<string, string>();
    const store: Store = {
      get: async (key) => entries.get(key),
      set: async (key, value) => {
        keys.push(key);
        entries.set(key, value);
      },
      setIfAbsent: async () => true,
    };
    const client = asA.registerClient({ clientId: 'other-api', clientSecret: 'other-secret' });
    const guards = [
      guardFor(asA, store),
      createTokenGuard({
        issuer: asA.issuer,
        audience: asA.audience,
        store,
        cache: false,
        introspection: { clientId: client.clientId, clientSecret: client.clientSecret },
      }),
      createTokenGuard({
        issuer: asA.issuer,
        audience: asA.audience,
        resource: 'https://api.example.com',
        store,
        cache: false,
        introspection: {
          clientId: asA.defaultClient.clientId,
          clientSecret: asA.defaultClient.clientSecret,
        },
      }),
    ];
    try {
      const token = await asA.mintOpaqueToken();
      asA.resetCounts();
      for (const guard of guards) expect(await status(guard, token)).toBe(200);
      expect(asA.counts.introspection).toBe(3);
      expect(new Set(keys).size).toBe(3);
      for (const key of keys)
        expect(key).toMatch(/^introspection:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]{43}$/);
    } finally {
      for (const guard of guards) await guard.close();
    }
  });
});
