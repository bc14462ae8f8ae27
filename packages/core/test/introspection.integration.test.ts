import { generateKeyPairSync } from 'node:crypto';
import diagnostics from 'node:diagnostics_channel';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type AuthorizationServer, createAuthorizationServer } from '@tokenguard/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { channels } from '../src/diagnostics.js';
import { createTokenGuard, type TokenGuard } from '../src/index.js';
import type { TokenGuardOptions } from '../src/options.js';
import type { Store } from '../src/store.js';
import { EXPIRED_TOKEN, INVALID_TOKEN, startApi, testClock } from './support/api.js';

let as: AuthorizationServer;
const open: Array<{ close(): Promise<void> }> = [];

beforeAll(async () => {
  as = await createAuthorizationServer();
});
afterAll(() => as.close());
afterEach(async () => {
  as.faults.clear();
  while (open.length > 0) await open.pop()?.close();
});

async function start(
  introspection: Partial<NonNullable<TokenGuardOptions['introspection']>> = {},
  options: Partial<TokenGuardOptions> = {},
) {
  const guard: TokenGuard = createTokenGuard({
    issuer: as.issuer,
    audience: as.audience,
    introspection: {
      clientId: as.defaultClient.clientId,
      clientSecret: as.defaultClient.clientSecret,
      ...introspection,
    },
    ...options,
  });
  const api = await startApi(guard, { live: { introspect: true } });
  open.push(api, guard);
  as.resetCounts();
  return api;
}

const UNAVAILABLE = {
  error: 'temporarily_unavailable',
  error_description: 'The authorization service is temporarily unavailable',
};

describe('opaque tokens through RFC 7662 introspection', () => {
  it('accepts an active opaque token, discovering the endpoint from metadata', async () => {
    const api = await start();
    const res = await api.call(await as.mintOpaqueToken({ sub: 'alice', scope: 'orders:read' }));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      subject: 'alice',
      format: 'opaque',
      scopes: ['orders:read'],
      principalId: `${as.issuer}|alice`,
    });
    expect(as.counts.introspection).toBe(1);
  });

  it.each([
    ['unknown', async () => 'an-opaque-token-nobody-issued'],
    [
      'revoked',
      async () => {
        const t = await as.mintOpaqueToken();
        as.revoke(t);
        return t;
      },
    ],
    ['expired', async () => as.mintOpaqueToken({}, { expiresIn: -10 })],
    ['for another audience', async () => as.mintOpaqueToken({ aud: 'https://other.example' })],
    ['from another issuer', async () => as.mintOpaqueToken({ iss: 'https://evil.example' })],
    ['that is a refresh token', async () => as.mintOpaqueToken({ token_type: 'refresh_token' })],
    ['whose answer has no aud (RFC 9700 §2.3)', async () => as.mintOpaqueToken({ aud: undefined })],
    [
      'typed DPoP without cnf.jkt, sent as a bearer token',
      async () => as.mintOpaqueToken({ token_type: 'DPoP' }),
    ],
    [
      'typed dpop (any case) without cnf.jkt, sent as a bearer token',
      async () => as.mintOpaqueToken({ token_type: 'dpop' }),
    ],
  ])('rejects an opaque token that is %s with 401 invalid_token', async (_name, make) => {
    const api = await start();
    const res = await api.call(await make());
    expect(res.status).toBe(401);
    expect(res.challenge).toBe(INVALID_TOKEN);
  });

  it.each([
    ['client_secret_basic', {}],
    ['client_secret_post', { clientAuth: 'client_secret_post' as const }],
  ])(
    'authenticates with %s, even with characters that need form encoding',
    async (_name, extra) => {
      const client = as.registerClient({ clientId: 'api:orders v2', clientSecret: 's%3+:é&=' });
      const api = await start({
        clientId: client.clientId,
        clientSecret: client.clientSecret,
        ...extra,
      });
      expect((await api.call(await as.mintOpaqueToken())).status).toBe(200);
    },
  );

  it('accepts answers without aud with requireAudience: false, for servers that never send it', async () => {
    const api = await start({ requireAudience: false });
    expect((await api.call(await as.mintOpaqueToken({ aud: undefined }))).status).toBe(200);
    // An aud that is there is still checked.
    const other = await api.call(await as.mintOpaqueToken({ aud: 'https://other.example' }));
    expect(other.status).toBe(401);
  });

  it('authenticates with private_key_jwt (a fresh assertion per call)', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    as.registerClient({
      clientId: 'orders-api',
      publicKey: publicKey.export({ format: 'jwk' }) as never,
    });
    const api = await start({ clientId: 'orders-api', clientSecret: undefined, privateKey });
    expect((await api.call(await as.mintOpaqueToken())).status).toBe(200);
    expect((await api.call(await as.mintOpaqueToken())).status).toBe(200);
  });

  it('accepts a signed RFC 9701 answer when jwtResponse is on', async () => {
    const api = await start({ jwtResponse: true });
    expect((await api.call(await as.mintOpaqueToken({ sub: 'bob' }))).body).toMatchObject({
      subject: 'bob',
    });
    expect((await api.call('unknown-token-value')).status).toBe(401);
  });
});

describe('introspection failures fail closed with 503', () => {
  it.each([
    ['a 500', { status: 500 }],
    ['a non-JSON body', { body: '<html>down</html>', contentType: 'text/html' }],
    ['JSON with the wrong content type', { body: '{"active":true}', contentType: 'text/plain' }],
    ['an oversized body', { oversized: 200 * 1024 }],
    ['a hang', { hang: true }],
  ] as const)('introspection answering %s: 503 with Retry-After', async (_name, fault) => {
    const api = await start({ timeout: 0.3 });
    as.faults.set('introspection', fault);
    const res = await api.call(await as.mintOpaqueToken());
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body).toEqual(UNAVAILABLE);
  });

  it('a 400 refusal is about that token: 401 invalid_token, not an outage', async () => {
    const api = await start();
    as.faults.set('introspection', { status: 400 });
    const res = await api.call(await as.mintOpaqueToken());
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('wrong client credentials: 503 (our misconfiguration), not a 401 for the client', async () => {
    const api = await start({ clientSecret: 'wrong' });
    expect((await api.call(await as.mintOpaqueToken())).status).toBe(503);
  });

  it('recovers without a restart once the endpoint answers again', async () => {
    const clock = testClock();
    const api = await start({ failureBackoff: 1 }, { clock: clock.now });
    const token = await as.mintOpaqueToken();
    as.faults.set('introspection', { status: 500 });
    expect((await api.call(token)).status).toBe(503);
    expect((await api.call(token)).status).toBe(503);
    expect(as.counts.introspection).toBe(1);
    as.faults.clear('introspection');
    clock.advance(2);
    expect((await api.call(token)).status).toBe(200);
  });

  it('treats only a JSON boolean true as active', async () => {
    for (const body of ['{"active":"true","sub":"x"}', '{"sub":"x"}', '{"active":1,"sub":"x"}']) {
      const fake = createServer((_req, res) =>
        res.writeHead(200, { 'content-type': 'application/json' }).end(body),
      );
      fake.listen(0, '127.0.0.1');
      await once(fake, 'listening');
      try {
        const api = await start({
          endpoint: `http://127.0.0.1:${(fake.address() as AddressInfo).port}/introspect`,
        });
        const res = await api.call('opaque-value-1234');
        expect({ body, status: res.status }).toEqual({ body, status: 401 });
      } finally {
        fake.close();
      }
    }
  });
});

describe('the introspection cache', () => {
  it('50 concurrent requests with one new opaque token make one introspection call', async () => {
    const api = await start();
    const token = await as.mintOpaqueToken();
    const results = await Promise.all(Array.from({ length: 50 }, () => api.call(token)));
    expect(results.map((r) => r.status)).toEqual(Array(50).fill(200));
    expect(as.counts.introspection).toBe(1);
  });

  it('never serves a cached answer past the token exp', async () => {
    const clock = testClock();
    const api = await start({ cacheTtl: 300 }, { clock: clock.now, clockTolerance: 0 });
    const token = await as.mintOpaqueToken({}, { expiresIn: 60 });
    expect((await api.call(token)).status).toBe(200);
    expect((await api.call(token)).status).toBe(200);
    expect(as.counts.introspection).toBe(1);
    clock.advance(61);
    const res = await api.call(token);
    expect(res.status).toBe(401);
    expect(res.challenge).toBe(EXPIRED_TOKEN);
  });

  it('caches an active answer for cacheTtl, then asks again (and sees a revocation)', async () => {
    const clock = testClock();
    const api = await start({ cacheTtl: 30 }, { clock: clock.now });
    const token = await as.mintOpaqueToken();
    expect((await api.call(token)).status).toBe(200);
    as.revoke(token);
    expect((await api.call(token)).status).toBe(200);
    clock.advance(31);
    expect((await api.call(token)).status).toBe(401);
    expect(as.counts.introspection).toBe(2);
  });

  it('caches inactive answers only for negativeCacheTtl', async () => {
    const clock = testClock();
    const api = await start({ negativeCacheTtl: 5 }, { clock: clock.now });
    expect((await api.call('nobody-issued-this')).status).toBe(401);
    expect((await api.call('nobody-issued-this')).status).toBe(401);
    expect(as.counts.introspection).toBe(1);
    clock.advance(6);
    expect((await api.call('nobody-issued-this')).status).toBe(401);
    expect(as.counts.introspection).toBe(2);
  });

  it('shares answers through the store, keyed by a hash, never the token', async () => {
    const entries = new Map<string, string>();
    const store: Store = {
      get: async (key) => entries.get(key),
      set: async (key, value) => void entries.set(key, value),
      setIfAbsent: async (key, value) => {
        if (entries.has(key)) return false;
        entries.set(key, value);
        return true;
      },
    };
    const token = await as.mintOpaqueToken();
    const first = await start({}, { store });
    expect((await first.call(token)).status).toBe(200);
    const second = await start({}, { store });
    expect((await second.call(token)).status).toBe(200);
    expect(as.counts.introspection).toBe(0);
    const dump = [...entries].join(' ');
    expect(dump).not.toContain(token);
    expect([...entries.keys()][0]).toMatch(/^introspection:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]{43}$/);
  });

  it('degrades to calling the endpoint when the store fails', async () => {
    const broken: Store = {
      get: async () => {
        throw new Error('down');
      },
      set: async () => {
        throw new Error('down');
      },
      setIfAbsent: async () => {
        throw new Error('down');
      },
    };
    const api = await start({}, { store: broken, cache: false });
    const token = await as.mintOpaqueToken();
    expect((await api.call(token)).status).toBe(200);
    expect((await api.call(token)).status).toBe(200);
    expect(as.counts.introspection).toBe(2);
  });
});

describe('hybrid: JWTs and introspection', () => {
  it("mode 'opaque' does not introspect JWTs", async () => {
    const api = await start();
    const jwt = await as.mintAccessToken();
    as.revoke(jwt);
    expect((await api.call(jwt)).status).toBe(200);
    expect(as.counts.introspection).toBe(0);
  });

  it("mode 'always' rejects a revoked JWT", async () => {
    const api = await start({ mode: 'always' });
    const jwt = await as.mintAccessToken();
    expect((await api.call(jwt)).status).toBe(200);
    const revoked = await as.mintAccessToken({ sub: 'revoked' });
    as.revoke(revoked);
    const res = await api.call(revoked);
    expect(res.status).toBe(401);
    expect(res.challenge).toBe(INVALID_TOKEN);
  });

  it("mode 'always' still verifies the JWT locally first", async () => {
    const api = await start({ mode: 'always' });
    expect((await api.call(await as.mintAccessToken({}, { alg: 'none' }))).status).toBe(401);
    expect(as.counts.introspection).toBe(0);
  });

  it('a route with introspect: true asks for a live answer every time', async () => {
    const api = await start();
    const jwt = await as.mintAccessToken();
    expect((await api.call(jwt, { route: 'live' })).status).toBe(200);
    as.revoke(jwt);
    expect((await api.call(jwt)).status).toBe(200);
    expect((await api.call(jwt, { route: 'live' })).status).toBe(401);
    const opaque = await as.mintOpaqueToken();
    expect((await api.call(opaque)).status).toBe(200);
    as.revoke(opaque);
    expect((await api.call(opaque, { route: 'live' })).status).toBe(401);
  });
});

describe('introspection configuration', () => {
  it.each<[string, TokenGuardOptions['introspection'], string]>([
    ['without clientId', { clientSecret: 'x' } as never, '"introspection.clientId" is required'],
    [
      'without a secret',
      { clientId: 'a' },
      '"introspection.clientSecret" is required for client_secret_basic',
    ],
    [
      'private_key_jwt without a key',
      { clientId: 'a', clientAuth: 'private_key_jwt' },
      '"introspection.privateKey" is required',
    ],
    [
      'a public key for private_key_jwt',
      { clientId: 'a', privateKey: generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey },
      '"introspection.privateKey" must be a private key',
    ],
    [
      'an unknown mode',
      { clientId: 'a', clientSecret: 'b', mode: 'sometimes' as never },
      '"introspection.mode"',
    ],
    [
      'a timeout in milliseconds',
      { clientId: 'a', clientSecret: 'b', timeout: 5000 },
      '"introspection.timeout" must be a finite number of seconds between 0 and 60',
    ],
    [
      'an http endpoint off loopback',
      { clientId: 'a', clientSecret: 'b', endpoint: 'http://auth.example.com/introspect' },
      '"introspection.endpoint" must use https',
    ],
  ])('rejects introspection %s', (_name, introspection, message) => {
    expect(() =>
      createTokenGuard({ issuer: 'https://auth.example.com/', audience: 'a', introspection }),
    ).toThrow(message);
  });

  it('rejects introspect: true on a route when introspection is off, when the route is declared', () => {
    const guard = createTokenGuard({ issuer: 'https://auth.example.com/', audience: 'a' });
    expect(() => guard.checkRequirements({ introspect: true })).toThrow(
      '"requirements.introspect: true" needs the "introspection" option',
    );
  });
});

describe('diagnostics', () => {
  it('reports calls, cache hits and failures without the token', async () => {
    const events: unknown[] = [];
    const listener = (event: unknown) => events.push(event);
    diagnostics.subscribe(channels.introspection, listener);
    try {
      const api = await start({}, { cache: false });
      const token = await as.mintOpaqueToken();
      await api.call(token);
      await api.call(token);
      expect(events).toEqual([
        expect.objectContaining({ event: 'call', active: true, durationMs: expect.any(Number) }),
        expect.objectContaining({ event: 'cache_hit' }),
      ]);
      expect(JSON.stringify(events)).not.toContain(token);
    } finally {
      diagnostics.unsubscribe(channels.introspection, listener);
    }
  });
});
