import { createDpopKey, createDpopProof } from '@tokenguard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADAPTERS, type RunningApi } from '../src/apps.js';
import {
  CLIENTS,
  clientCredentials,
  RESOURCE,
  type RunningProvider,
  revoke,
  startProvider,
} from '../src/provider.js';

interface Answer {
  status: number;
  challenge: string | null;
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
    body: text ? JSON.parse(text) : undefined,
  };
}

describe.each(ADAPTERS)('%s against oidc-provider', (_name, start) => {
  let provider: RunningProvider;
  let api: RunningApi;

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
    });
  });
  afterAll(async () => {
    await api?.close();
    await provider?.close();
  });

  it('accepts its RFC 9068 JWT access tokens, discovered through its metadata', async () => {
    const { access_token } = await clientCredentials(provider.issuer, CLIENTS.jwt);
    const me = await call(api, 'GET', '/me', { authorization: `Bearer ${access_token}` });
    expect(me).toMatchObject({
      status: 200,
      body: { route: 'GET /me', subject: CLIENTS.jwt.clientId },
    });
    expect(
      (await call(api, 'POST', '/orders', { authorization: `Bearer ${access_token}` })).status,
    ).toBe(201);
  });

  it('enforces scopes from its space-delimited scope claim', async () => {
    const { access_token } = await clientCredentials(provider.issuer, CLIENTS.jwt, {
      scope: 'orders:read',
    });
    expect(
      (await call(api, 'GET', '/orders', { authorization: `Bearer ${access_token}` })).status,
    ).toBe(200);
    const write = await call(api, 'POST', '/orders', { authorization: `Bearer ${access_token}` });
    expect(write.status).toBe(403);
    expect(write.challenge).toContain('error="insufficient_scope"');
    expect(write.challenge).toContain('scope="orders:write"');
  });

  it('accepts its opaque tokens through its introspection endpoint', async () => {
    const { access_token } = await clientCredentials(provider.issuer, CLIENTS.opaque, {
      scope: 'orders:read',
    });
    expect(access_token.split('.')).toHaveLength(1);
    const orders = await call(api, 'GET', '/orders', { authorization: `Bearer ${access_token}` });
    // The provider's introspection answer for a client_credentials token has no `sub`.
    expect(orders).toMatchObject({ status: 200, body: { route: 'GET /orders', subject: null } });
    expect(
      (await call(api, 'POST', '/orders', { authorization: `Bearer ${access_token}` })).status,
    ).toBe(403);
  });

  it('rejects an opaque token it revoked', async () => {
    const { access_token } = await clientCredentials(provider.issuer, CLIENTS.opaque);
    await revoke(provider.issuer, access_token);
    const res = await call(api, 'GET', '/me', { authorization: `Bearer ${access_token}` });
    expect(res.status).toBe(401);
    expect(res.challenge).toContain('error="invalid_token"');
  });

  it('accepts its DPoP-bound tokens with a proof, and rejects them without', async () => {
    const key = createDpopKey();
    const tokenProof = await createDpopProof({ key, htm: 'POST', htu: `${provider.issuer}/token` });
    const { access_token, token_type } = await clientCredentials(provider.issuer, CLIENTS.jwt, {
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
    const bearer = await call(api, 'GET', '/me', { authorization: `Bearer ${access_token}` });
    expect(bearer.status).toBe(401);
    const noProof = await call(api, 'GET', '/me', { authorization: `DPoP ${access_token}` });
    expect(noProof.status).toBe(401);
    expect(noProof.challenge).toContain('error="invalid_dpop_proof"');
  });

  it('picks up a rotation of its signing key', async () => {
    const before = await clientCredentials(provider.issuer, CLIENTS.jwt);
    expect(
      (await call(api, 'GET', '/me', { authorization: `Bearer ${before.access_token}` })).status,
    ).toBe(200);
    await provider.rotateKeys();
    const after = await clientCredentials(provider.issuer, CLIENTS.jwt);
    expect(
      (await call(api, 'GET', '/me', { authorization: `Bearer ${after.access_token}` })).status,
    ).toBe(200);
    // The old key left the provider's JWKS: a token it signed is no longer accepted.
    const old = await call(api, 'GET', '/me', { authorization: `Bearer ${before.access_token}` });
    expect(old.status).toBe(401);
  });
});
