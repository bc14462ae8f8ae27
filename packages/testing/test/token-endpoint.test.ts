import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuthorizationServer, createAuthorizationServer } from '../src/index.js';
import { basicAuth, introspect, postForm } from './helpers.js';

let server: AuthorizationServer;

beforeAll(async () => {
  server = await createAuthorizationServer();
});
afterAll(() => server.close());

function grant(
  client: { clientId: string; clientSecret: string },
  params: Record<string, string> = {},
): Promise<Response> {
  return postForm(
    server.tokenEndpoint,
    { grant_type: 'client_credentials', ...params },
    { authorization: basicAuth(client.clientId, client.clientSecret) },
  );
}

describe('client_credentials', () => {
  it('issues a JWT with every scope of the default client', async () => {
    const response = await grant(server.defaultClient);

    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('pragma')).toBe('no-cache');
    const body = (await response.json()) as Record<string, string>;
    expect(Object.keys(body)).toEqual(['access_token', 'token_type', 'expires_in', 'scope']);
    expect(body).toMatchObject({
      token_type: 'Bearer',
      expires_in: 300,
      scope: 'orders:read orders:write',
    });
    const access = body.access_token ?? '';
    const { payload } = await jwtVerify(access, createRemoteJWKSet(new URL(server.jwksUri)), {
      issuer: server.issuer,
      audience: server.audience,
      typ: 'at+jwt',
    });
    expect(payload).toMatchObject({
      sub: 'test-client',
      client_id: 'test-client',
      scope: 'orders:read orders:write',
    });
    expect(decodeProtectedHeader(access).alg).toBe('ES256');
  });

  it('narrows to a requested subset of the scopes', async () => {
    const response = await grant(server.defaultClient, { scope: 'orders:write' });

    const body = (await response.json()) as { access_token: string; scope: string };
    expect(body.scope).toBe('orders:write');
    expect((await introspect(server, body.access_token)).scope).toBe('orders:write');
  });

  it('answers 400 invalid_scope for a scope the client does not have', async () => {
    const response = await grant(server.defaultClient, { scope: 'orders:read admin' });

    expect(response.status).toBe(400);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await response.json()).toEqual({
      error: 'invalid_scope',
      error_description: 'the requested scope is not allowed for this client',
    });
  });

  it('issues an opaque token to an opaque client, with its audience', async () => {
    const client = server.registerClient({
      clientId: 'reports',
      scopes: ['reports:read'],
      tokenFormat: 'opaque',
      audience: 'https://reports.example.com',
    });

    const response = await postForm(server.tokenEndpoint, {
      grant_type: 'client_credentials',
      client_id: client.clientId,
      client_secret: client.clientSecret,
    });

    expect(response.status).toBe(200);
    const body = (await response.json()) as { access_token: string; scope: string };
    expect(body.access_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(body.scope).toBe('reports:read');
    expect(await introspect(server, body.access_token)).toMatchObject({
      active: true,
      sub: 'reports',
      client_id: 'reports',
      aud: 'https://reports.example.com',
      scope: 'reports:read',
      token_type: 'Bearer',
    });
  });

  it('leaves scope out for a client without scopes', async () => {
    const client = server.registerClient({ clientId: 'bare' });

    const body = (await (await grant(client)).json()) as Record<string, unknown>;

    expect(body).not.toHaveProperty('scope');
  });

  it('answers 401 invalid_client with a Basic challenge for wrong credentials', async () => {
    const response = await grant({ clientId: 'test-client', clientSecret: 'wrong' });

    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
    expect(await response.json()).toEqual({
      error: 'invalid_client',
      error_description: 'client authentication failed',
    });
  });

  it('answers 401 invalid_client without credentials', async () => {
    const response = await postForm(server.tokenEndpoint, { grant_type: 'client_credentials' });

    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Basic /);
  });

  it('answers unsupported_grant_type and invalid_request for other grants', async () => {
    const password = await grant(server.defaultClient, { grant_type: 'password' });
    const none = await postForm(
      server.tokenEndpoint,
      {},
      {
        authorization: basicAuth(server.defaultClient.clientId, server.defaultClient.clientSecret),
      },
    );

    expect(password.status).toBe(400);
    expect(((await password.json()) as { error: string }).error).toBe('unsupported_grant_type');
    expect(none.status).toBe(400);
    expect(((await none.json()) as { error: string }).error).toBe('invalid_request');
  });
});
