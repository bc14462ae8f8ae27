import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuthorizationServer, createAuthorizationServer } from '../src/index.js';
import { basicAuth, introspect, postForm } from './helpers.js';

let server: AuthorizationServer;

beforeAll(async () => {
  server = await createAuthorizationServer();
});
afterAll(() => server.close());

describe('introspecting a JWT', () => {
  it('answers active with every claim, field by field', async () => {
    const token = await server.mintAccessToken({ username: 'alice' }, { notBefore: -10 });
    const claims = decodeJwt(token);

    const answer = await introspect(server, token);

    expect(answer).toEqual({
      active: true,
      iss: server.issuer,
      sub: 'user-123',
      aud: 'https://api.example.com',
      exp: claims.exp,
      iat: claims.iat,
      nbf: (claims.iat as number) - 10,
      jti: claims.jti,
      client_id: 'test-client',
      scope: 'orders:read',
      username: 'alice',
      token_type: 'Bearer',
    });
    expect(Object.keys(answer)[0]).toBe('active');
  });

  it('reports cnf and token_type DPoP for a DPoP-bound token', async () => {
    const token = await server.mintAccessToken({ cnf: { jkt: 'abc' } }, { alg: 'PS256' });

    const answer = await introspect(server, token);

    expect(answer.cnf).toEqual({ jkt: 'abc' });
    expect(answer.token_type).toBe('DPoP');
  });

  it.each([
    ['expired', () => server.mintAccessToken({}, { expiresIn: -60 })],
    ['not yet valid', () => server.mintAccessToken({}, { notBefore: 600 })],
    ['signed by an unpublished key', () => server.mintAccessToken({}, { key: 'unpublished' })],
    ['unsigned', () => server.mintAccessToken({}, { alg: 'none' })],
    ['from another issuer', () => server.mintAccessToken({ iss: 'https://other.example' })],
  ])('answers { active: false } when %s', async (_, mint) => {
    expect(await introspect(server, await mint())).toEqual({ active: false });
  });

  it('answers { active: false } once revoked', async () => {
    const token = await server.mintAccessToken();
    expect((await introspect(server, token)).active).toBe(true);

    server.revoke(token);

    expect(await introspect(server, token)).toEqual({ active: false });
  });
});

describe('introspecting an opaque token', () => {
  it('is not JWS-shaped', async () => {
    expect(await server.mintOpaqueToken()).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('answers active with the stored claims, field by field', async () => {
    const token = await server.mintOpaqueToken({ username: 'bob', scope: 'orders:write' });

    const answer = await introspect(server, token);

    expect(Object.keys(answer)).toEqual([
      'active',
      'iss',
      'sub',
      'aud',
      'exp',
      'iat',
      'jti',
      'client_id',
      'scope',
      'username',
      'token_type',
    ]);
    expect(answer).toMatchObject({
      active: true,
      iss: server.issuer,
      sub: 'user-123',
      aud: server.audience,
      client_id: 'test-client',
      scope: 'orders:write',
      username: 'bob',
      token_type: 'Bearer',
    });
    expect(answer.exp).toBe((answer.iat as number) + 300);
    expect(answer.jti).toEqual(expect.any(String));
  });

  it('defaults token_type to DPoP when cnf.jkt is given', async () => {
    const token = await server.mintOpaqueToken({ cnf: { jkt: 'xyz' } });
    expect(await introspect(server, token)).toMatchObject({
      active: true,
      cnf: { jkt: 'xyz' },
      token_type: 'DPoP',
    });
  });

  it.each([
    ['unknown', async () => 'x'.repeat(43)],
    ['expired', () => server.mintOpaqueToken({}, { expiresIn: -1 })],
    ['not yet valid', () => server.mintOpaqueToken({}, { notBefore: 60 })],
  ])('answers { active: false } when %s', async (_, mint) => {
    expect(await introspect(server, await mint())).toEqual({ active: false });
  });

  it('answers { active: false } once revoked', async () => {
    const token = await server.mintOpaqueToken();
    server.revoke(token);
    expect(await introspect(server, token)).toEqual({ active: false });
  });

  it('answers { active: false } for an empty token', async () => {
    expect(await introspect(server, '')).toEqual({ active: false });
  });
});

describe('client authentication at the introspection endpoint', () => {
  const awkward = { clientId: 'a:b c', clientSecret: 's%3+' };

  beforeAll(() => {
    server.registerClient({ ...awkward, scopes: [] });
  });

  it('accepts client_secret_basic with the id and secret form-urlencoded first', async () => {
    const token = await server.mintAccessToken();

    const response = await postForm(
      server.introspectionEndpoint,
      { token, token_type_hint: 'access_token' },
      { authorization: basicAuth(awkward.clientId, awkward.clientSecret) },
    );

    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(((await response.json()) as { active: boolean }).active).toBe(true);
  });

  it('rejects Basic credentials that were not form-urlencoded', async () => {
    const raw = Buffer.from(`${awkward.clientId}:${awkward.clientSecret}`).toString('base64');

    const response = await postForm(
      server.introspectionEndpoint,
      { token: 'x' },
      { authorization: `Basic ${raw}` },
    );

    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({
      error: 'invalid_client',
      error_description: 'malformed client credentials',
    });
  });

  it('accepts client_secret_post', async () => {
    const token = await server.mintOpaqueToken();

    const response = await postForm(server.introspectionEndpoint, {
      token,
      client_id: awkward.clientId,
      client_secret: awkward.clientSecret,
    });

    expect(response.status).toBe(200);
    expect(((await response.json()) as { active: boolean }).active).toBe(true);
  });

  it.each([
    ['a wrong secret', { authorization: basicAuth('test-client', 'wrong') }, {}],
    ['an unknown client', { authorization: basicAuth('nobody', 'x') }, {}],
    ['a wrong posted secret', {}, { client_id: 'test-client', client_secret: 'wrong' }],
    ['no credentials', {}, {}],
    ['a Bearer token instead', { authorization: 'Bearer abc' }, {}],
  ])('answers 401 invalid_client with a Basic challenge for %s', async (_, headers, form) => {
    const response = await postForm(server.introspectionEndpoint, { token: 'x', ...form }, headers);

    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe(
      'Basic realm="tokenguard-testing", charset="UTF-8"',
    );
    expect(((await response.json()) as { error: string }).error).toBe('invalid_client');
  });

  it('answers 400 invalid_request when two methods are used at once', async () => {
    const { clientId, clientSecret } = server.defaultClient;

    const response = await postForm(
      server.introspectionEndpoint,
      { token: 'x', client_id: clientId, client_secret: clientSecret },
      { authorization: basicAuth(clientId, clientSecret) },
    );

    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toBe('invalid_request');
  });

  it('answers 400 invalid_request without a token', async () => {
    const { clientId, clientSecret } = server.defaultClient;

    const response = await postForm(
      server.introspectionEndpoint,
      {},
      { authorization: basicAuth(clientId, clientSecret) },
    );

    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: 'invalid_request',
      error_description: 'token is required',
    });
  });
});

describe('private_key_jwt and RFC 9701 signed answers', () => {
  it('authenticates a client with a signed assertion, once per jti', async () => {
    const { generateKeyPair, exportJWK, SignJWT } = await import('jose');
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const server = await createAuthorizationServer();
    try {
      server.registerClient({ clientId: 'rs', publicKey: await exportJWK(publicKey) });
      const token = await server.mintAccessToken();
      const assertion = await new SignJWT({})
        .setProtectedHeader({ alg: 'ES256' })
        .setIssuer('rs')
        .setSubject('rs')
        .setAudience(server.issuer)
        .setJti('once')
        .setIssuedAt()
        .setExpirationTime('1m')
        .sign(privateKey);
      const post = () =>
        fetch(server.introspectionEndpoint, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({
            token,
            client_id: 'rs',
            client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
            client_assertion: assertion,
          }),
        });
      const first = await post();
      expect(first.status).toBe(200);
      expect(((await first.json()) as { active: boolean }).active).toBe(true);
      const replay = await post();
      expect(replay.status).toBe(401);
      expect(((await replay.json()) as { error: string }).error).toBe('invalid_client');
    } finally {
      await server.close();
    }
  });

  it('answers with a signed token-introspection+jwt when asked', async () => {
    const { createRemoteJWKSet, jwtVerify } = await import('jose');
    const server = await createAuthorizationServer();
    try {
      const { clientId, clientSecret } = server.defaultClient;
      const token = await server.mintAccessToken({ sub: 'alice' });
      const res = await fetch(server.introspectionEndpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/token-introspection+jwt',
          authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`,
        },
        body: new URLSearchParams({ token }),
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/token-introspection+jwt');
      const { payload, protectedHeader } = await jwtVerify(
        await res.text(),
        createRemoteJWKSet(new URL(server.jwksUri)),
        { issuer: server.issuer, audience: clientId, typ: 'token-introspection+jwt' },
      );
      expect(protectedHeader.typ).toBe('token-introspection+jwt');
      expect(payload.token_introspection).toMatchObject({ active: true, sub: 'alice' });
    } finally {
      await server.close();
    }
  });
});

describe('limits a resource server can be tested against', () => {
  it('answers 413 above maxRequestBodySize, and within it as usual', async () => {
    const small = await createAuthorizationServer({ maxRequestBodySize: 2048 });
    try {
      const auth = basicAuth(small.defaultClient.clientId, small.defaultClient.clientSecret);
      const large = await postForm(
        small.introspectionEndpoint,
        { token: 'A'.repeat(3000) },
        { authorization: auth },
      );
      expect(large.status).toBe(413);
      expect(await introspect(small, await small.mintOpaqueToken())).toMatchObject({
        active: true,
      });
    } finally {
      await small.close();
    }
    await expect(createAuthorizationServer({ maxRequestBodySize: 0 })).rejects.toThrow(
      '"maxRequestBodySize" must be a positive whole number of bytes',
    );
  });

  it('reports the most requests an endpoint handled at once, until resetCounts()', async () => {
    server.resetCounts();
    server.faults.set('introspection', { delayMs: 200 });
    try {
      await Promise.all(Array.from({ length: 5 }, () => introspect(server, 'made-up')));
    } finally {
      server.faults.clear('introspection');
    }
    await introspect(server, 'made-up');
    expect(server.peakConcurrency).toMatchObject({ introspection: 5, jwks: 0 });
    server.resetCounts();
    expect(server.peakConcurrency.introspection).toBe(0);
  });
});
