import { createDpopKey, createDpopProof } from '@tokenguard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADAPTERS, type RunningApi } from '../src/apps/index.js';
import {
  CLIENTS,
  clientCredentials,
  OTHER_RESOURCE,
  RESOURCE,
  type RunningProvider,
  revoke,
  startProvider,
} from '../src/provider.js';

interface Answer {
  status: number;
  challenge: string | null;
  retryAfter: string | null;
  body: unknown;
}

async function call(
  api: RunningApi,
  method: 'GET' | 'POST',
  path: string,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const res = await fetch(`${api.baseUrl}${path}`, { method, headers });
  const text = await res.text();
  return {
    status: res.status,
    challenge: res.headers.get('www-authenticate'),
    retryAfter: res.headers.get('retry-after'),
    body: text ? JSON.parse(text) : undefined,
  };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const b64 = (text: string) => Buffer.from(text).toString('base64url');

describe.each(ADAPTERS)('%s against oidc-provider', (_name, start) => {
  let provider: RunningProvider;
  let api: RunningApi;
  // The guard's clock, moved by the outage test past the failure backoff instead of sleeping.
  let offset = 0;

  beforeAll(async () => {
    provider = await startProvider();
    api = await start({
      // Keys and the introspection endpoint come from the provider's real discovery document.
      issuer: provider.issuer,
      audience: RESOURCE,
      introspection: { clientId: CLIENTS.api.clientId, clientSecret: CLIENTS.api.clientSecret },
      dpop: {},
      // The rotation test restarts the provider and immediately presents a token with a new kid:
      // without a cooldown the guard refetches at once. (Production keeps the 30 s default.)
      jwks: { cooldown: 0 },
      clock: () => Date.now() + offset,
    });
  });
  afterAll(async () => {
    await api?.close();
    await provider?.close();
  });

  it('accepts its RFC 9068 JWT access tokens, discovered through its metadata', async () => {
    const { access_token } = await clientCredentials(provider.issuer, CLIENTS.jwt);
    const me = await call(api, 'GET', '/me', bearer(access_token));
    expect(me).toMatchObject({
      status: 200,
      body: { route: 'GET /me', subject: CLIENTS.jwt.clientId },
    });
    expect((await call(api, 'POST', '/orders', bearer(access_token))).status).toBe(201);
  });

  it('enforces scopes from its space-delimited scope claim', async () => {
    const { access_token } = await clientCredentials(provider.issuer, CLIENTS.jwt, {
      scope: 'orders:read',
    });
    expect((await call(api, 'GET', '/orders', bearer(access_token))).status).toBe(200);
    const write = await call(api, 'POST', '/orders', bearer(access_token));
    expect(write.status).toBe(403);
    expect(write.challenge).toContain('error="insufficient_scope"');
    expect(write.challenge).toContain('scope="orders:write"');
  });

  it('rejects its tokens for another resource (RFC 8707 audience)', async () => {
    const jwt = await clientCredentials(provider.issuer, CLIENTS.jwt, {
      resource: OTHER_RESOURCE,
    });
    const opaque = await clientCredentials(provider.issuer, CLIENTS.opaque, {
      resource: OTHER_RESOURCE,
    });
    for (const { access_token } of [jwt, opaque]) {
      const res = await call(api, 'GET', '/me', bearer(access_token));
      expect(res.status).toBe(401);
      expect(res.challenge).toContain('error="invalid_token"');
    }
  });

  it('accepts its opaque tokens through its introspection endpoint', async () => {
    const { access_token } = await clientCredentials(provider.issuer, CLIENTS.opaque, {
      scope: 'orders:read',
    });
    expect(access_token.split('.')).toHaveLength(1);
    const orders = await call(api, 'GET', '/orders', bearer(access_token));
    // The provider's introspection answer for a client_credentials token has no `sub`.
    expect(orders).toMatchObject({ status: 200, body: { route: 'GET /orders', subject: null } });
    expect((await call(api, 'POST', '/orders', bearer(access_token))).status).toBe(403);
  });

  it('rejects an opaque token it revoked', async () => {
    const { access_token } = await clientCredentials(provider.issuer, CLIENTS.opaque);
    await revoke(provider.issuer, access_token);
    const res = await call(api, 'GET', '/me', bearer(access_token));
    expect(res.status).toBe(401);
    expect(res.challenge).toContain('error="invalid_token"');
  });

  it.each([
    ['JWT', CLIENTS.jwt],
    ['opaque', CLIENTS.opaque],
  ] as const)(
    'accepts its DPoP-bound %s tokens with a proof, and rejects them without',
    async (_format, client) => {
      const key = createDpopKey();
      const tokenProof = await createDpopProof({
        key,
        htm: 'POST',
        htu: `${provider.issuer}/token`,
      });
      const { access_token, token_type } = await clientCredentials(provider.issuer, client, {
        dpop: tokenProof,
      });
      expect(token_type).toBe('DPoP');
      const proof = await createDpopProof({
        key,
        htm: 'GET',
        htu: `${api.baseUrl}/me`,
        accessToken: access_token,
      });
      expect(
        (await call(api, 'GET', '/me', { authorization: `DPoP ${access_token}`, dpop: proof }))
          .status,
      ).toBe(200);
      // The same proof again is a replay.
      expect(
        (await call(api, 'GET', '/me', { authorization: `DPoP ${access_token}`, dpop: proof }))
          .status,
      ).toBe(401);
      const asBearer = await call(api, 'GET', '/me', bearer(access_token));
      expect(asBearer.status).toBe(401);
      expect(asBearer.challenge).toContain('error="invalid_token"');
      // The DPoP scheme without a DPoP header is a missing parameter (RFC 6750 §3.1).
      const noProof = await call(api, 'GET', '/me', { authorization: `DPoP ${access_token}` });
      expect(noProof.status).toBe(400);
      expect(noProof.challenge).toContain('DPoP error="invalid_request"');
      const otherKey = await createDpopProof({
        key: createDpopKey(),
        htm: 'GET',
        htu: `${api.baseUrl}/me`,
        accessToken: access_token,
      });
      expect(
        (await call(api, 'GET', '/me', { authorization: `DPoP ${access_token}`, dpop: otherKey }))
          .status,
      ).toBe(401);
    },
  );

  it('picks up a rotation of its signing key, and drops the old key when it leaves the JWKS', async () => {
    const before = await clientCredentials(provider.issuer, CLIENTS.jwt);
    expect((await call(api, 'GET', '/me', bearer(before.access_token))).status).toBe(200);

    // A new key first in the JWKS, the old one still published after it.
    await provider.rotateKeys({ keepPrevious: true });
    const after = await clientCredentials(provider.issuer, CLIENTS.jwt);
    expect(after.access_token.split('.')[0]).not.toBe(before.access_token.split('.')[0]);
    expect((await call(api, 'GET', '/me', bearer(after.access_token))).status).toBe(200);
    expect((await call(api, 'GET', '/me', bearer(before.access_token))).status).toBe(200);

    // The old key leaves: tokens it signed stop working once the guard sees the new set.
    await provider.rotateKeys();
    const latest = await clientCredentials(provider.issuer, CLIENTS.jwt);
    expect((await call(api, 'GET', '/me', bearer(latest.access_token))).status).toBe(200);
    expect((await call(api, 'GET', '/me', bearer(before.access_token))).status).toBe(401);
  });

  it('while it is down: JWTs keep working, opaque tokens get 503 with Retry-After; then recovers', async () => {
    const jwt = (await clientCredentials(provider.issuer, CLIENTS.jwt)).access_token;
    const opaque = (await clientCredentials(provider.issuer, CLIENTS.opaque)).access_token;
    await provider.stop();
    try {
      expect((await call(api, 'GET', '/me', bearer(jwt))).status).toBe(200);
      const down = await call(api, 'GET', '/me', bearer(opaque));
      expect(down.status).toBe(503);
      expect(Number(down.retryAfter)).toBeGreaterThan(0);
      expect(down.body).toEqual({
        error: 'temporarily_unavailable',
        error_description: 'The authorization service is temporarily unavailable',
      });
    } finally {
      await provider.start();
    }
    offset += 5_000; // past the failure backoff: no restart of the API needed
    expect((await call(api, 'GET', '/me', bearer(opaque))).status).toBe(200);
  });

  // oidc-provider answers 400 unsupported_token_type for any three-segment token whose first
  // segment decodes as a JOSE header (it never introspects JWTs). Core rejects such a token as a
  // malformed JWT before introspection, and takes a 400 as a refusal of that one token, never as
  // an outage: one attacker request must not make every other client's opaque token 503.
  it('an attacker token it refuses to introspect does not make other clients fail', async () => {
    const opaque = (await clientCredentials(provider.issuer, CLIENTS.opaque)).access_token;
    offset += 5_000;
    // Three segments with a `+` (a token68 character, not a base64url one).
    const attack = await call(api, 'GET', '/me', bearer(`${b64('{"alg":"none"}')}.e30.+`));
    expect(attack.status).toBe(401);
    expect((await call(api, 'GET', '/me', bearer(opaque))).status).toBe(200);
  });
});

describe('introspection mode "always" against oidc-provider', () => {
  it('cannot work: the provider refuses to introspect JWTs, so every JWT is rejected', async () => {
    const provider = await startProvider();
    const [, start] = ADAPTERS[0] as (typeof ADAPTERS)[number];
    const api = await start({
      issuer: provider.issuer,
      audience: RESOURCE,
      introspection: {
        clientId: CLIENTS.api.clientId,
        clientSecret: CLIENTS.api.clientSecret,
        mode: 'always',
      },
    });
    try {
      const { access_token } = await clientCredentials(provider.issuer, CLIENTS.jwt);
      // The refusal (400 unsupported_token_type) is about the token, not an outage: 401.
      const res = await call(api, 'GET', '/me', bearer(access_token));
      expect(res.status).toBe(401);
    } finally {
      await api.close();
      await provider.close();
    }
  });
});

describe("accessTokenProfile 'rfc9068' against oidc-provider", () => {
  it('accepts its JWT access tokens: they carry every claim RFC 9068 §2.2 requires', async () => {
    const provider = await startProvider();
    const [, start] = ADAPTERS[0] as (typeof ADAPTERS)[number];
    const api = await start({
      issuer: provider.issuer,
      audience: RESOURCE,
      accessTokenProfile: 'rfc9068',
    });
    try {
      const { access_token } = await clientCredentials(provider.issuer, CLIENTS.jwt);
      const claims = JSON.parse(Buffer.from(access_token.split('.')[1]!, 'base64url').toString());
      expect(Object.keys(claims)).toEqual(
        expect.arrayContaining(['iss', 'exp', 'aud', 'sub', 'client_id', 'iat', 'jti']),
      );
      expect((await call(api, 'GET', '/me', bearer(access_token))).status).toBe(200);
    } finally {
      await api.close();
      await provider.close();
    }
  });
});
