import { generateKeyPairSync } from 'node:crypto';
import diagnostics from 'node:diagnostics_channel';
import { type AuthorizationServer, createAuthorizationServer, signJwt } from '@tokenguard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { channels } from '../src/diagnostics.js';
import { createTokenGuard, type TokenGuard } from '../src/index.js';
import type { TokenGuardOptions } from '../src/options.js';
import { EXPIRED_TOKEN, INVALID_TOKEN, startApi, testClock } from './support/api.js';

let as: AuthorizationServer;
let guard: TokenGuard;
let api: Awaited<ReturnType<typeof startApi>>;
const clock = testClock();

beforeAll(async () => {
  as = await createAuthorizationServer();
  guard = createTokenGuard({ issuer: as.issuer, audience: as.audience, clock: clock.now });
  api = await startApi(guard, {
    orders: { scopes: ['orders:read'] },
    write: { scopes: ['orders:write'] },
    admin: { anyScopes: ['admin', 'orders:admin'] },
    tenant: { claims: { tenant: { equals: 'acme' } } },
  });
});

afterAll(async () => {
  await api?.close();
  await guard?.close();
  await as?.close();
});

describe('valid JWT access tokens, discovered keys', () => {
  it.each(['RS256', 'PS256', 'ES256', 'EdDSA'] as const)('accepts %s', async (alg) => {
    const token = await as.mintAccessToken({ sub: 'alice', scope: 'orders:read profile' }, { alg });
    const res = await api.call(token, { route: 'orders' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      principalId: `${as.issuer}|alice`,
      subject: 'alice',
      clientId: 'test-client',
      scopes: ['orders:read', 'profile'],
      format: 'jwt',
      scheme: 'Bearer',
    });
  });

  it('accepts application/at+jwt in any case and a missing typ', async () => {
    for (const typ of ['application/at+jwt', 'AT+JWT', null]) {
      const token = await as.mintAccessToken({}, { typ });
      expect((await api.call(token)).status).toBe(200);
    }
  });

  it('accepts an aud array that contains the audience', async () => {
    const token = await as.mintAccessToken({ aud: ['https://other.example', as.audience] });
    expect((await api.call(token)).status).toBe(200);
  });

  it('answers a request without credentials with a bare challenge and no body', async () => {
    const res = await api.call();
    expect(res.status).toBe(401);
    expect(res.challenge).toBe('Bearer');
    expect(res.body).toBeUndefined();
  });
});

describe('authorization', () => {
  it('answers a missing scope with 403 insufficient_scope naming the scope', async () => {
    const token = await as.mintAccessToken({ scope: 'orders:read' });
    const res = await api.call(token, { route: 'write' });
    expect(res.status).toBe(403);
    expect(res.challenge).toBe(
      'Bearer error="insufficient_scope", error_description="The access token lacks the required scope", scope="orders:write"',
    );
    expect(res.body).toEqual({
      error: 'insufficient_scope',
      error_description: 'The access token lacks the required scope',
    });
  });

  it('accepts one of anyScopes, and scp arrays', async () => {
    expect(
      (await api.call(await as.mintAccessToken({ scope: 'orders:admin' }), { route: 'admin' }))
        .status,
    ).toBe(200);
    expect(
      (
        await api.call(await as.mintAccessToken({ scope: undefined, scp: ['admin'] }), {
          route: 'admin',
        })
      ).status,
    ).toBe(200);
    expect(
      (await api.call(await as.mintAccessToken({ scope: 'orders:read' }), { route: 'admin' }))
        .status,
    ).toBe(403);
  });

  it('checks route claim rules as authorization (403)', async () => {
    expect(
      (await api.call(await as.mintAccessToken({ tenant: 'acme' }), { route: 'tenant' })).status,
    ).toBe(200);
    const res = await api.call(await as.mintAccessToken({ tenant: 'other' }), { route: 'tenant' });
    expect(res.status).toBe(403);
    expect(res.challenge).toBe(
      'Bearer error="insufficient_scope", error_description="The access token is not authorized for this resource"',
    );
  });
});

describe('guard-level requirements', () => {
  it("keeps the guard's anyScopes when a route has its own: each list is a group to satisfy", async () => {
    const strict = createTokenGuard({
      issuer: as.issuer,
      audience: as.audience,
      anyScopes: ['api:access', 'api:admin'],
    });
    const strictApi = await startApi(strict, {
      orders: { anyScopes: ['orders:read', 'orders:admin'] },
    });
    try {
      const call = async (scope: string) =>
        strictApi.call(await as.mintAccessToken({ scope }), { route: 'orders' });
      const routeOnly = await call('orders:read');
      expect(routeOnly.status).toBe(403);
      expect(routeOnly.challenge).toBe(
        'Bearer error="insufficient_scope", error_description="The access token lacks the required scope", scope="api:access api:admin"',
      );
      const guardOnly = await call('api:access');
      expect(guardOnly.status).toBe(403);
      expect(guardOnly.challenge).toContain('scope="orders:read orders:admin"');
      expect((await call('api:admin orders:read')).status).toBe(200);
    } finally {
      await strictApi.close();
      await strict.close();
    }
  });
});

describe('rejected tokens: 401 invalid_token, nothing reflected', () => {
  const cases: Array<[string, () => Promise<string>, string?]> = [
    ['expired', () => as.mintAccessToken({}, { expiresIn: -120 }), EXPIRED_TOKEN],
    ['not yet valid (nbf)', () => as.mintAccessToken({}, { notBefore: 120 })],
    ['issued in the future (iat)', () => as.mintAccessToken({}, { issuedAt: 120 })],
    ['without exp', () => as.mintAccessToken({ exp: undefined })],
    ['with exp 1e400 (Infinity)', () => signed({ exp: '1e400' })],
    [
      'with exp as a string',
      () => as.mintAccessToken({ exp: String(Math.floor(Date.now() / 1000) + 60) }),
    ],
    ['for another audience', () => as.mintAccessToken({ aud: 'https://other.example' })],
    ['without aud', () => as.mintAccessToken({ aud: undefined })],
    ['from an untrusted issuer', () => as.mintAccessToken({ iss: 'https://evil.example' })],
    [
      'with an issuer differing by a trailing slash',
      () => as.mintAccessToken({ iss: `${as.issuer}/` }),
    ],
    ['signed by a key not in the JWKS', () => as.mintAccessToken({}, { key: 'unpublished' })],
    ['with alg none', () => as.mintAccessToken({}, { alg: 'none' })],
    ['with typ JWT (not an access token type)', () => as.mintAccessToken({}, { typ: 'JWT' })],
    ['with typ dpop+jwt', () => as.mintAccessToken({}, { typ: 'dpop+jwt' })],
    ['that is an ID token (nonce)', () => as.mintAccessToken({ nonce: 'n' })],
    ['that is an ID token (at_hash)', () => as.mintAccessToken({ at_hash: 'x' })],
    ['with crit', () => as.mintAccessToken({}, { header: { crit: ['exp'], exp: 1 } })],
    ['with a scope that is not a string', () => as.mintAccessToken({ scope: ['orders:read'] })],
    ['with a tampered payload', async () => tamper(await as.mintAccessToken())],
    [
      'with a signature of another token',
      async () => swapSignature(await as.mintAccessToken(), await as.mintAccessToken({ sub: 'x' })),
    ],
    [
      'with a stripped signature',
      async () => `${(await as.mintAccessToken()).split('.').slice(0, 2).join('.')}.`,
    ],
    [
      'that is a JWE (five segments)',
      async () => 'eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ.a2V5.aXY.Y2lwaGVy.dGFn',
    ],
    ['that is opaque (no introspection configured)', async () => 'opaque-token-value'],
    [
      'with a non-canonical base64url signature',
      async () => nonCanonical(await as.mintAccessToken({}, { alg: 'ES256' })),
    ],
    [
      'with a header that is not JSON',
      async () => `bm90IGpzb24.${(await as.mintAccessToken()).split('.').slice(1).join('.')}`,
    ],
  ];

  it.each(cases)('%s', async (_name, make, challenge = INVALID_TOKEN) => {
    const token = await make();
    const res = await api.call(token);
    expect(res.status).toBe(401);
    expect(res.challenge).toBe(challenge);
    const text = JSON.stringify(res.body) + [...res.headers.values()].join(' ');
    expect(text).not.toContain(token.slice(0, 20));
  });

  it('rejects a token over 8 KiB without calling anything upstream', async () => {
    as.resetCounts();
    const res = await api.call('a'.repeat(8193));
    expect(res.status).toBe(401);
    expect(res.challenge).toBe(INVALID_TOKEN);
    expect(as.counts).toMatchObject({ jwks: 0, metadata: 0, introspection: 0 });
  });

  it('rejects HS256 signed with the public key (algorithm confusion)', async () => {
    const jwks = (await (await fetch(as.jwksUri)).json()) as {
      keys: Array<{ kid: string; kty: string }>;
    };
    const rsa = jwks.keys.find((k) => k.kty === 'RSA')!;
    const token = await signJwt({
      header: { alg: 'HS256', typ: 'at+jwt', kid: rsa.kid },
      payload: {
        iss: as.issuer,
        aud: as.audience,
        sub: 'x',
        exp: Math.floor(Date.now() / 1000) + 60,
      },
      secret: JSON.stringify(rsa),
    });
    expect((await api.call(token)).status).toBe(401);
  });

  it('ignores embedded jwk, jku, x5u and x5c: no key choice, no fetch', async () => {
    const trap = await startApi(createTokenGuard({ issuer: as.issuer, audience: as.audience }));
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = publicKey.export({ format: 'jwk' });
    const token = await signJwt({
      header: {
        alg: 'ES256',
        typ: 'at+jwt',
        kid: 'attacker',
        jwk,
        jku: `${trap.url}/jwks`,
        x5u: `${trap.url}/x5u`,
      },
      payload: {
        iss: as.issuer,
        aud: as.audience,
        sub: 'x',
        exp: Math.floor(Date.now() / 1000) + 60,
      },
      key: privateKey,
    });
    const res = await api.call(token);
    expect(res.status).toBe(401);
    await trap.close();
  });

  it('rejects a token signed by a weak RSA key published in the JWKS', async () => {
    const { kid } = await as.addKey({ alg: 'RS256', modulusLength: 1024 });
    const fresh = await startApi(createTokenGuard({ issuer: as.issuer, audience: as.audience }));
    try {
      const res = await fresh.call(await as.mintAccessToken({}, { kid }));
      expect(res.status).toBe(401);
      expect(res.challenge).toBe(INVALID_TOKEN);
    } finally {
      await fresh.close();
      as.removeKey(kid);
    }
  });

  it.each([
    ['16384-bit', { modulusLength: 16384 }],
    ['3072-bit key with a 3070-bit exponent', { modulusLength: 3072, publicExponentLength: 3070 }],
  ])('rejects a token signed by a %s RSA key published in the JWKS', async (_name, options) => {
    const { kid } = await as.addKey({ alg: 'RS256', ...options });
    const fresh = await startApi(createTokenGuard({ issuer: as.issuer, audience: as.audience }));
    try {
      const res = await fresh.call(await as.mintAccessToken({}, { kid }));
      expect(res.status).toBe(401);
      expect(res.challenge).toBe(INVALID_TOKEN);
      // The other keys of the set still work.
      expect((await fresh.call(await as.mintAccessToken())).status).toBe(200);
    } finally {
      await fresh.close();
      as.removeKey(kid);
    }
  });

  it('accepts a token signed by an 8192-bit RSA key published in the JWKS', async () => {
    const { kid } = await as.addKey({ alg: 'RS256', modulusLength: 8192 });
    const fresh = await startApi(createTokenGuard({ issuer: as.issuer, audience: as.audience }));
    try {
      expect((await fresh.call(await as.mintAccessToken({}, { kid }))).status).toBe(200);
    } finally {
      await fresh.close();
      as.removeKey(kid);
    }
  });

  it('does not let a __proto__ claim grant scopes', async () => {
    const res = await api.call(
      await signed({ scope: '"orders:read"', __proto__: '{"scope":"orders:write"}' }),
      { route: 'write' },
    );
    expect(res.status).toBe(403);
  });
});

describe('the verified-token cache never turns a failure into a success', () => {
  it('re-checks exp on every hit', async () => {
    const clock2 = testClock();
    const g = createTokenGuard({
      issuer: as.issuer,
      audience: as.audience,
      clock: clock2.now,
      clockTolerance: 0,
    });
    const local = await startApi(g);
    try {
      const token = await as.mintAccessToken({}, { expiresIn: 60 });
      expect((await local.call(token)).status).toBe(200);
      clock2.advance(61);
      const res = await local.call(token);
      expect(res.status).toBe(401);
      expect(res.challenge).toBe(EXPIRED_TOKEN);
    } finally {
      await local.close();
    }
  });
});

describe('query and form tokens (opt-in)', () => {
  it('marks responses to query tokens Cache-Control: private', async () => {
    const g = createTokenGuard({
      issuer: as.issuer,
      audience: as.audience,
      tokenLocations: ['header', 'query'],
    });
    const local = await startApi(g);
    try {
      const token = await as.mintAccessToken();
      const ok = await fetch(`${local.url}/?access_token=${token}`);
      expect(ok.status).toBe(200);
      expect(ok.headers.get('cache-control')).toBe('private');
      const bad = await fetch(`${local.url}/?access_token=${tamper(token)}`);
      expect(bad.status).toBe(401);
      expect(bad.headers.get('cache-control')).toBe('private');
      const both = await fetch(`${local.url}/?access_token=${token}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(both.status).toBe(400);
      expect(both.headers.get('www-authenticate')).toBe(
        'Bearer error="invalid_request", error_description="The request is malformed"',
      );
    } finally {
      await local.close();
    }
  });
});

describe('cross-origin errors', () => {
  it('expose WWW-Authenticate to browser clients', async () => {
    const res = await api.call(undefined, { headers: { origin: 'https://app.example.com' } });
    expect(res.headers.get('access-control-expose-headers')).toBe('WWW-Authenticate');
  });
});

describe('shared secret (HS256)', () => {
  it('verifies HS256 only when a secret is configured, and nothing asymmetric then', async () => {
    const secret = 'a-shared-secret-of-at-least-32-bytes!';
    const g = createTokenGuard({ issuer: as.issuer, audience: as.audience, secret });
    const local = await startApi(g);
    try {
      expect(
        (await local.call(await as.mintAccessToken({}, { alg: 'HS256', secret }))).status,
      ).toBe(200);
      expect(
        (await local.call(await as.mintAccessToken({}, { alg: 'HS256', secret: `${secret}x` })))
          .status,
      ).toBe(401);
      expect((await local.call(await as.mintAccessToken({}, { alg: 'ES256' }))).status).toBe(401);
    } finally {
      await local.close();
    }
  });
});

describe('profile and token types', () => {
  it("requires typ at+jwt with accessTokenProfile: 'rfc9068'", async () => {
    const options: TokenGuardOptions = {
      issuer: as.issuer,
      audience: as.audience,
      accessTokenProfile: 'rfc9068',
    };
    const local = await startApi(createTokenGuard(options));
    try {
      expect((await local.call(await as.mintAccessToken())).status).toBe(200);
      expect((await local.call(await as.mintAccessToken({}, { typ: null }))).status).toBe(401);
    } finally {
      await local.close();
    }
  });

  it.each([
    ['iss', 'jwt.iss_missing'],
    ['exp', 'jwt.exp_missing'],
    ['aud', 'jwt.aud_missing'],
    ['sub', 'jwt.sub_missing'],
    ['client_id', 'jwt.client_id_missing'],
    ['iat', 'jwt.iat_missing'],
    ['jti', 'jwt.jti_missing'],
  ])(
    "requires %s with accessTokenProfile: 'rfc9068' (RFC 9068 §2.2), reason %s",
    async (claim, reason) => {
      const reasons: string[] = [];
      const listener = (event: unknown) => reasons.push((event as { reason: string }).reason);
      const local = await startApi(
        createTokenGuard({
          issuer: as.issuer,
          audience: as.audience,
          accessTokenProfile: 'rfc9068',
        }),
      );
      diagnostics.subscribe(channels.rejected, listener);
      try {
        const res = await local.call(await as.mintAccessToken({ [claim]: undefined }));
        expect(res.status).toBe(401);
        expect(res.challenge).toBe(INVALID_TOKEN);
        expect(reasons).toEqual([reason]);
      } finally {
        diagnostics.unsubscribe(channels.rejected, listener);
        await local.close();
      }
    },
  );

  it("takes neither azp for client_id nor empty strings with accessTokenProfile: 'rfc9068'", async () => {
    const local = await startApi(
      createTokenGuard({ issuer: as.issuer, audience: as.audience, accessTokenProfile: 'rfc9068' }),
    );
    try {
      const call = async (claims: Record<string, unknown>) =>
        (await local.call(await as.mintAccessToken(claims))).status;
      expect(await call({ client_id: undefined, azp: 'test-client' })).toBe(401);
      expect(await call({ client_id: '' })).toBe(401);
      expect(await call({ jti: '' })).toBe(401);
      expect(await call({ jti: 42 })).toBe(401);
      expect(await call({})).toBe(200);
    } finally {
      await local.close();
    }
  });

  it('does not require those claims without the profile', async () => {
    const token = await as.mintAccessToken({
      sub: undefined,
      client_id: undefined,
      iat: undefined,
      jti: undefined,
    });
    expect((await api.call(token)).status).toBe(200);
  });

  it('accepts extra typ values only when configured (tokenTypes)', async () => {
    const local = await startApi(
      createTokenGuard({ issuer: as.issuer, audience: as.audience, tokenTypes: ['JWT'] }),
    );
    try {
      expect((await local.call(await as.mintAccessToken({}, { typ: 'JWT' }))).status).toBe(200);
    } finally {
      await local.close();
    }
  });

  it('enforces maxTokenAge', async () => {
    const local = await startApi(
      createTokenGuard({
        issuer: as.issuer,
        audience: as.audience,
        maxTokenAge: 60,
        clockTolerance: 0,
      }),
    );
    try {
      expect((await local.call(await as.mintAccessToken({}, { issuedAt: -30 }))).status).toBe(200);
      expect((await local.call(await as.mintAccessToken({}, { issuedAt: -120 }))).status).toBe(401);
    } finally {
      await local.close();
    }
  });

  it('applies guard-level claim rules as validity (401)', async () => {
    const local = await startApi(
      createTokenGuard({
        issuer: as.issuer,
        audience: as.audience,
        claims: { tenant: { equals: 'acme' } },
      }),
    );
    try {
      expect((await local.call(await as.mintAccessToken({ tenant: 'acme' }))).status).toBe(200);
      const res = await local.call(await as.mintAccessToken({ tenant: 'other' }));
      expect(res.status).toBe(401);
      expect(res.challenge).toBe(INVALID_TOKEN);
    } finally {
      await local.close();
    }
  });
});

/** A token whose payload is given as raw JSON text, signed with the server's ES256 key. */
async function signed(members: Record<string, string>): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const base: Record<string, string> = {
    iss: JSON.stringify(as.issuer),
    aud: JSON.stringify(as.audience),
    sub: '"x"',
    iat: String(now),
    exp: String(now + 300),
    scope: '"orders:read"',
    ...members,
  };
  const payloadJson = `{${Object.entries(base)
    .map(([k, v]) => `${JSON.stringify(k)}:${v}`)
    .join(',')}}`;
  return as.signJwt({ header: { alg: 'ES256', typ: 'at+jwt', kid: as.kids.ES256 }, payloadJson });
}

function tamper(token: string): string {
  const [h, p, s] = token.split('.') as [string, string, string];
  const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
  payload.scope = 'orders:read orders:write admin';
  return `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`;
}

function swapSignature(a: string, b: string): string {
  return `${a.split('.').slice(0, 2).join('.')}.${b.split('.')[2]}`;
}

function nonCanonical(token: string): string {
  // ES256 signatures are 64 bytes: 86 base64url chars whose last one carries 2 spare bits.
  const [h, p, s] = token.split('.') as [string, string, string];
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const last = alphabet.indexOf(s[s.length - 1]!);
  return `${h}.${p}.${s.slice(0, -1)}${alphabet[last | 1]}`;
}
