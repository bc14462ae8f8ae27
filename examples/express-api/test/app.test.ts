import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type AuthorizationServer, createAuthorizationServer } from '@tokenguard/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';

let as: AuthorizationServer;
let server: Server;
let api: string;

beforeAll(async () => {
  as = await createAuthorizationServer();
  server = createApp({ auth: { issuer: as.issuer, audience: as.audience } }).listen(0, '127.0.0.1');
  await once(server, 'listening');
  api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server?.closeAllConnections();
  server?.close();
  await as?.close();
});

const call = (path: string, token?: string, init: { method?: string; body?: string } = {}) =>
  fetch(`${api}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(init.body ? { 'content-type': 'application/json' } : {}),
    },
    body: init.body,
  });

describe('the orders API', () => {
  it('GET /health is public', async () => {
    const response = await call('/health');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('GET /me needs a token, any scope', async () => {
    const anonymous = await call('/me');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer');
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
      'Bearer error="insufficient_scope", error_description="The access token lacks the required scope", scope="orders:read"',
    );
  });

  it('POST /orders needs orders:write and records who placed the order', async () => {
    const body = JSON.stringify({ item: 'cups', quantity: 3 });
    const reader = await call('/orders', await as.mintAccessToken({ scope: 'orders:read' }), {
      method: 'POST',
      body,
    });
    expect(reader.status).toBe(403);
    expect(await reader.json()).toEqual({
      error: 'insufficient_scope',
      error_description: 'The access token lacks the required scope',
    });

    const writer = await as.mintAccessToken({ scope: 'orders:read orders:write', sub: 'bob' });
    const created = await call('/orders', writer, { method: 'POST', body });
    expect(created.status).toBe(201);
    const order = (await created.json()) as { id: string };
    expect(order).toMatchObject({ item: 'cups', quantity: 3, placedBy: `${as.issuer}|bob` });
    expect(created.headers.get('location')).toBe(`/orders/${order.id}`);

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
    const malformed = await call('/orders', writer, { method: 'POST', body: '{' });
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toEqual({ error: 'bad_request' });
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
    const client = as.registerClient({ clientId: 'cli', scopes: ['orders:read'] });
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

  it('answers unknown routes 404 once authenticated', async () => {
    expect((await call('/nope')).status).toBe(401);
    expect((await call('/nope', await as.mintAccessToken())).status).toBe(404);
  });
});

describe('the orders API configured from the environment', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('createApp() reads TOKENGUARD_ISSUER and TOKENGUARD_AUDIENCE', async () => {
    process.env.TOKENGUARD_ISSUER = as.issuer;
    process.env.TOKENGUARD_AUDIENCE = as.audience;
    const envServer = createApp().listen(0, '127.0.0.1');
    await once(envServer, 'listening');
    try {
      const base = `http://127.0.0.1:${(envServer.address() as AddressInfo).port}`;
      const token = await as.mintAccessToken({ scope: 'orders:read' });
      const response = await fetch(`${base}/orders`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(response.status).toBe(200);
    } finally {
      envServer.closeAllConnections();
      envServer.close();
    }
  });
});
