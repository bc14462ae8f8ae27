import { type AuthorizationServer, createAuthorizationServer } from '@tokenguard/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from '../src/app.js';

let as: AuthorizationServer;
let app: FastifyInstance;
let api: string;

beforeAll(async () => {
  as = await createAuthorizationServer();
  app = await build({ auth: { issuer: as.issuer, audience: as.audience } });
  api = await app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await app?.close();
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

describe('the orders API on Fastify, over HTTP', () => {
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
    const me = await call('/me', await as.mintAccessToken({ scope: undefined, sub: 'alice' }));
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({
      principal: `${as.issuer}|alice`,
      subject: 'alice',
      scopes: [],
    });
  });

  it('GET /orders needs orders:read', async () => {
    expect((await call('/orders', await as.mintAccessToken({ scope: 'orders:read' }))).status).toBe(
      200,
    );
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
    const writer = await call(
      '/orders',
      await as.mintAccessToken({ sub: 'bob', scope: 'orders:write' }),
      {
        method: 'POST',
        body,
      },
    );
    expect(writer.status).toBe(201);
    expect(await writer.json()).toMatchObject({
      item: 'cups',
      quantity: 3,
      placedBy: `${as.issuer}|bob`,
    });
  });

  it('rejects an expired token with the RFC 6750 answer', async () => {
    const res = await call('/orders', await as.mintAccessToken({}, { expiresIn: -60 }));
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({
      error: 'invalid_token',
      error_description: 'The access token expired',
    });
  });
});

describe('through inject()', () => {
  it('answers the same', async () => {
    const res = await app.inject({ url: '/orders' });
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer');
  });
});
