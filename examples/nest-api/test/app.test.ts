import type { INestApplication } from '@nestjs/common';
import { type AuthorizationServer, createAuthorizationServer } from '@tokenguard/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApp, type Platform } from '../src/app.js';

let as: AuthorizationServer;
beforeAll(async () => {
  as = await createAuthorizationServer();
});
afterAll(() => as?.close());

async function listen(app: INestApplication): Promise<string> {
  await app.listen(0, '127.0.0.1');
  return `http://127.0.0.1:${app.getHttpServer().address().port}`;
}

describe.each(['express', 'fastify'] as Platform[])('the orders API on %s', (platform) => {
  let app: INestApplication;
  let api: string;

  beforeAll(async () => {
    app = await createApp({
      platform,
      auth: { issuer: as.issuer, audience: as.audience, resource: 'https://orders.example.com' },
    });
    api = await listen(app);
  });
  afterAll(() => app?.close());

  const call = (path: string, token?: string, init: { method?: string; body?: string } = {}) =>
    fetch(`${api}${path}`, {
      method: init.method ?? 'GET',
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(init.body ? { 'content-type': 'application/json' } : {}),
      },
      body: init.body,
    });

  it('GET /health is public', async () => {
    const response = await call('/health');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('GET /me needs a token, any scope', async () => {
    const anonymous = await call('/me');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe(
      'Bearer resource_metadata="https://orders.example.com/.well-known/oauth-protected-resource"',
    );
    expect(await anonymous.text()).toBe('');

    const token = await as.mintAccessToken({ scope: undefined, sub: 'alice' });
    const me = await call('/me', token);
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({
      principal: `${as.issuer}|alice`,
      subject: 'alice',
      clientId: 'test-client',
      scopes: [],
    });
  });

  it('GET /orders needs orders:read', async () => {
    const reader = await call('/orders', await as.mintAccessToken({ scope: 'orders:read' }));
    expect(reader.status).toBe(200);
    expect(((await reader.json()) as { orders: unknown[] }).orders.length).toBeGreaterThan(0);

    const other = await call('/orders', await as.mintAccessToken({ scope: 'profile' }));
    expect(other.status).toBe(403);
    expect(other.headers.get('www-authenticate')).toBe(
      'Bearer error="insufficient_scope", error_description="The access token lacks the required scope", scope="orders:read", resource_metadata="https://orders.example.com/.well-known/oauth-protected-resource"',
    );
    expect(await other.json()).toEqual({
      error: 'insufficient_scope',
      error_description: 'The access token lacks the required scope',
    });
  });

  it('POST /orders needs orders:write and records who placed the order', async () => {
    const body = JSON.stringify({ item: 'cups', quantity: 3 });
    const reader = await call('/orders', await as.mintAccessToken({ scope: 'orders:read' }), {
      method: 'POST',
      body,
    });
    expect(reader.status).toBe(403);

    const writer = await as.mintAccessToken({ scope: 'orders:read orders:write', sub: 'bob' });
    const created = await call('/orders', writer, { method: 'POST', body });
    expect(created.status).toBe(201);
    const order = (await created.json()) as { id: string };
    expect(order).toMatchObject({ item: 'cups', quantity: 3, placedBy: `${as.issuer}|bob` });

    const list = (await (await call('/orders', writer)).json()) as {
      orders: Array<{ id: string }>;
    };
    expect(list.orders.map((o) => o.id)).toContain(order.id);
  });

  it('POST /orders rejects a bad body with 400, after authorization', async () => {
    const writer = await as.mintAccessToken({ scope: 'orders:write' });
    const invalid = await call('/orders', writer, { method: 'POST', body: '{"item":""}' });
    expect(invalid.status).toBe(400);
    expect(await invalid.json()).toEqual({
      error: 'invalid_order',
      error_description: 'Send { item, quantity }',
    });
  });

  it('rejects expired and forged tokens with 401 invalid_token', async () => {
    const expired = await call('/orders', await as.mintAccessToken({}, { expiresIn: -60 }));
    expect(expired.status).toBe(401);
    expect(await expired.json()).toEqual({
      error: 'invalid_token',
      error_description: 'The access token expired',
    });
    const forged = await call(
      '/orders',
      await as.mintAccessToken({}, { key: 'unpublished', kid: as.kids.ES256 }),
    );
    expect(forged.status).toBe(401);
  });

  it('accepts a token from the token endpoint (client_credentials)', async () => {
    const client = as.registerClient({ clientId: `cli-${platform}`, scopes: ['orders:read'] });
    const grant = await fetch(as.tokenEndpoint, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'grant_type=client_credentials',
    });
    const { access_token } = (await grant.json()) as { access_token: string };
    expect((await call('/orders', access_token)).status).toBe(200);
  });

  it('serves its RFC 9728 metadata', async () => {
    const response = await call('/.well-known/oauth-protected-resource');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      resource: 'https://orders.example.com',
      authorization_servers: [as.issuer],
      bearer_methods_supported: ['header'],
      scopes_supported: ['orders:read', 'orders:write'],
    });
  });
});

describe('the orders API configured from the environment', () => {
  it.each(['express', 'fastify'] as Platform[])(
    'createApp() on %s reads TOKENGUARD_ISSUER and TOKENGUARD_AUDIENCE',
    async (platform) => {
      vi.stubEnv('TOKENGUARD_ISSUER', as.issuer);
      vi.stubEnv('TOKENGUARD_AUDIENCE', as.audience);
      const app = await createApp({ platform });
      try {
        const api = await listen(app);
        const token = await as.mintAccessToken({ scope: 'orders:read' });
        const response = await fetch(`${api}/orders`, {
          headers: { authorization: `Bearer ${token}` },
        });
        expect(response.status).toBe(200);
      } finally {
        await app.close();
        vi.unstubAllEnvs();
      }
    },
  );

  it('fails at startup, naming the option, when TOKENGUARD_AUDIENCE is missing', async () => {
    vi.stubEnv('TOKENGUARD_ISSUER', as.issuer);
    vi.stubEnv('TOKENGUARD_AUDIENCE', '');
    try {
      await expect(createApp()).rejects.toThrow(/^tokenguard: "audience" is required/);
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
