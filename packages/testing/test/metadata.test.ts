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

describe("a provider's issuer and endpoint paths", () => {
  it('keeps a trailing slash in the issuer and serves everything under the path without it', async () => {
    // Auth0's issuers end with "/", Entra ID v1.0's are https://sts.windows.net/<tenant>/.
    const root = await start({ issuerPath: '/', algorithms: ['RS256'] });
    expect(root.issuer).toBe(`${root.url}/`);
    expect(root.discoveryUri).toBe(`${root.url}/.well-known/openid-configuration`);
    expect(await getJson(root.discoveryUri)).toMatchObject({
      issuer: `${root.url}/`,
      jwks_uri: `${root.url}/jwks`,
    });
    expect(decodeJwt(await root.mintAccessToken()).iss).toBe(`${root.url}/`);

    const tenant = await start({ issuerPath: '/tenant-c/', algorithms: ['RS256'] });
    expect(tenant.issuer).toBe(`${tenant.url}/tenant-c/`);
    expect(tenant.metadataUri).toBe(
      `${tenant.url}/.well-known/oauth-authorization-server/tenant-c`,
    );
    expect(await getJson(tenant.discoveryUri)).toMatchObject({ issuer: `${tenant.url}/tenant-c/` });
  });

  it('serves the JWKS and introspection where jwksPath and introspectionPath say', async () => {
    const server = await start({
      issuerPath: '/oauth2/default',
      jwksPath: '/oauth2/default/v1/keys',
      introspectionPath: '/oauth2/default/v1/introspect',
      algorithms: ['RS256'],
    });
    expect(server.jwksUri).toBe(`${server.url}/oauth2/default/v1/keys`);
    expect(server.introspectionEndpoint).toBe(`${server.url}/oauth2/default/v1/introspect`);
    expect(await getJson(server.discoveryUri)).toMatchObject({
      jwks_uri: server.jwksUri,
      introspection_endpoint: server.introspectionEndpoint,
    });
    const keys = createRemoteJWKSet(new URL(server.jwksUri));
    await jwtVerify(await server.mintAccessToken(), keys, { issuer: server.issuer });
    const { clientId, clientSecret } = server.defaultClient;
    const token = await server.mintOpaqueToken();
    const response = await postForm(
      server.introspectionEndpoint,
      { token },
      { authorization: basicAuth(clientId, clientSecret) },
    );
    expect(await response.json()).toMatchObject({ active: true });
    expect((await fetch(`${server.url}/oauth2/default/jwks`)).status).toBe(404);
  });

  it('keeps keys for the given algorithms only, signing with the first by default', async () => {
    const server = await start({ algorithms: ['RS256'] });
    expect(server.algorithm).toBe('RS256');
    expect(Object.keys(server.kids)).toEqual(['RS256']);
    expect(server.jwks().keys.map((key) => key.alg)).toEqual(['RS256']);
    expect(
      (await jwtVerify(await server.mintAccessToken(), createRemoteJWKSet(new URL(server.jwksUri))))
        .protectedHeader.alg,
    ).toBe('RS256');
  });

  it('serves a SPIFFE trust bundle with keyUse "jwt-svid"', async () => {
    const server = await start({ keyUse: 'jwt-svid', algorithms: ['ES256'] });
    const bundle = await getJson(server.jwksUri);
    expect(bundle).toEqual({
      keys: [expect.objectContaining({ kty: 'EC', use: 'jwt-svid', kid: server.kids.ES256 })],
      spiffe_sequence: 1,
      spiffe_refresh_hint: 300,
    });
    await server.rotateKeys({ algorithms: ['ES256'] });
    expect((await getJson(server.jwksUri)).spiffe_sequence).toBe(2);
    // JWT-SVID: no iss needed, typ JWT, sub a SPIFFE ID.
    const svid = await server.mintAccessToken(
      { iss: undefined, sub: 'spiffe://example.org/ns/a/sa/b', aud: 'orders' },
      { typ: 'JWT' },
    );
    expect(decodeJwt(svid)).toMatchObject({ sub: 'spiffe://example.org/ns/a/sa/b', aud: 'orders' });
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
    [{ issuerPath: '//a' }, '"issuerPath" must be a URL path such as "/tenant-a"'],
    [
      { jwksPath: 'keys' },
      '"jwksPath" must be an absolute URL path such as "/oauth2/default/v1/keys"',
    ],
    [
      { introspectionPath: '/a/' },
      '"introspectionPath" must be an absolute URL path such as "/oauth2/default/v1/keys"',
    ],
    [{ algorithms: [] }, '"algorithms" must be a non-empty array of RS256, PS256, ES256, EdDSA'],
    [{ algorithms: ['RS256'], algorithm: 'ES256' }, '"algorithm" must be one of RS256'],
    [{ keyUse: 'enc' }, '"keyUse" must be "sig" or "jwt-svid"'],
  ])('rejects %o with a TypeError naming the option', async (options, message) => {
    await expect(createAuthorizationServer(options as never)).rejects.toThrow(
      new TypeError(`createAuthorizationServer: ${message}`),
    );
  });
});
