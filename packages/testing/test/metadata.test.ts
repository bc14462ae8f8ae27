import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { type AuthorizationServer, createAuthorizationServer } from '../src/index.js';
import { basicAuth, postForm } from './helpers.js';

const servers: AuthorizationServer[] = [];

async function start(options?: Parameters<typeof createAuthorizationServer>[0]) {
  const server = await createAuthorizationServer(options);
  servers.push(server);
  return server;
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function getJson(url: string): Promise<Record<string, unknown>> {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('application/json');
  return (await response.json()) as Record<string, unknown>;
}

describe('metadata documents', () => {
  it('serves RFC 8414 metadata and OpenID discovery, field by field', async () => {
    const server = await start();
    const base = server.url;

    const expected = {
      issuer: base,
      jwks_uri: `${base}/jwks`,
      token_endpoint: `${base}/token`,
      authorization_endpoint: `${base}/authorize`,
      introspection_endpoint: `${base}/introspect`,
      grant_types_supported: ['client_credentials', 'authorization_code'],
      response_types_supported: ['code'],
      code_challenge_methods_supported: ['S256'],
      authorization_response_iss_parameter_supported: true,
      token_endpoint_auth_methods_supported: [
        'client_secret_basic',
        'client_secret_post',
        'private_key_jwt',
      ],
      introspection_endpoint_auth_methods_supported: [
        'client_secret_basic',
        'client_secret_post',
        'private_key_jwt',
      ],
      scopes_supported: ['orders:read', 'orders:write'],
    };

    expect(server.metadataUri).toBe(`${base}/.well-known/oauth-authorization-server`);
    expect(server.discoveryUri).toBe(`${base}/.well-known/openid-configuration`);
    expect(await getJson(server.metadataUri)).toEqual(expected);
    expect(await getJson(server.discoveryUri)).toEqual(expected);
    expect(server.jwksUri).toBe(expected.jwks_uri);
    expect(server.tokenEndpoint).toBe(expected.token_endpoint);
    expect(server.introspectionEndpoint).toBe(expected.introspection_endpoint);
  });

  it('lists the scopes of registered clients', async () => {
    const server = await start();
    server.registerClient({ clientId: 'reports', scopes: ['reports:read'] });

    expect((await getJson(server.metadataUri)).scopes_supported).toEqual([
      'orders:read',
      'orders:write',
      'reports:read',
    ]);
  });
});

describe('an issuer with a path', () => {
  it('serves path-insert metadata and appended OpenID discovery for issuerPath', async () => {
    const server = await start({ issuerPath: '/tenant-a' });
    const issuer = `${server.url}/tenant-a`;

    expect(server.issuer).toBe(issuer);
    expect(server.metadataUri).toBe(
      `${server.url}/.well-known/oauth-authorization-server/tenant-a`,
    );
    expect(server.discoveryUri).toBe(`${issuer}/.well-known/openid-configuration`);
    for (const url of [server.metadataUri, server.discoveryUri]) {
      expect(await getJson(url)).toMatchObject({
        issuer,
        jwks_uri: `${issuer}/jwks`,
        token_endpoint: `${issuer}/token`,
        introspection_endpoint: `${issuer}/introspect`,
      });
    }
    expect((await fetch(`${server.url}/.well-known/oauth-authorization-server`)).status).toBe(404);
    expect((await fetch(`${server.url}/.well-known/openid-configuration`)).status).toBe(404);
    expect((await fetch(`${server.url}/jwks`)).status).toBe(404);
  });

  it('issues and verifies tokens under that issuer', async () => {
    const server = await start({ issuerPath: '/tenant-a' });
    const { clientId, clientSecret } = server.defaultClient;

    const response = await postForm(
      server.tokenEndpoint,
      { grant_type: 'client_credentials' },
      { authorization: basicAuth(clientId, clientSecret) },
    );
    const { access_token } = (await response.json()) as { access_token: string };

    const keys = createRemoteJWKSet(new URL(server.jwksUri));
    const { payload } = await jwtVerify(access_token, keys, { issuer: server.issuer });
    expect(payload.iss).toBe(`${server.url}/tenant-a`);
  });

  it('takes the path from a given issuer and keeps the issuer exactly', async () => {
    const server = await start({ issuer: 'https://login.example.com/tenant-b' });

    expect(server.issuer).toBe('https://login.example.com/tenant-b');
    expect(server.metadataUri).toBe(
      `${server.url}/.well-known/oauth-authorization-server/tenant-b`,
    );
    expect(await getJson(server.metadataUri)).toMatchObject({
      issuer: 'https://login.example.com/tenant-b',
      jwks_uri: `${server.url}/tenant-b/jwks`,
    });
    expect(decodeJwt(await server.mintAccessToken()).iss).toBe(
      'https://login.example.com/tenant-b',
    );
  });
});

describe('options', () => {
  it('honours algorithm, audience and accessTokenTtl', async () => {
    const server = await start({
      algorithm: 'RS256',
      audience: 'urn:orders',
      accessTokenTtl: 60,
    });

    const token = await server.mintAccessToken();
    const { payload, protectedHeader } = await jwtVerify(
      token,
      createRemoteJWKSet(new URL(server.jwksUri)),
      { audience: 'urn:orders' },
    );

    expect(protectedHeader.alg).toBe('RS256');
    expect(payload.exp).toBe((payload.iat as number) + 60);
  });

  it.each([
    [{ port: 70000 }, '"port" must be an integer from 0 to 65535'],
    [{ algorithm: 'HS256' }, '"algorithm" must be one of RS256, PS256, ES256, EdDSA'],
    [{ audience: '' }, '"audience" must be a non-empty string'],
    [{ accessTokenTtl: 0 }, '"accessTokenTtl" must be a positive number of seconds'],
    [{ issuer: 'not a url' }, '"issuer" must be an absolute http(s) URL'],
    [
      { issuer: 'https://a.example/?x=1' },
      '"issuer" must not have a query or fragment (RFC 8414 §2)',
    ],
    [{ issuerPath: 'tenant-a' }, '"issuerPath" must be a URL path such as "/tenant-a"'],
    [{ issuer: 'https://a.example', issuerPath: '/a' }, 'give "issuer" or "issuerPath", not both'],
  ])('rejects %o with a TypeError naming the option', async (options, message) => {
    await expect(createAuthorizationServer(options as never)).rejects.toThrow(
      new TypeError(`createAuthorizationServer: ${message}`),
    );
  });
});
