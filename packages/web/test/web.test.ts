import { createTokenGuard, type TokenGuard } from '@tokenguard/core';
import {
  type AuthorizationServer,
  createAuthorizationServer,
  createDpopKey,
  createDpopProof,
} from '@tokenguard/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  authErrorResponse,
  optionalToken,
  protectedResourceMetadata,
  requireToken,
  webRequestView,
  withToken,
} from '../src/index.js';
import { authorizationValues } from '../src/request.js';

let as: AuthorizationServer;
let guard: TokenGuard;
const RESOURCE = 'https://api.example.com';
beforeAll(async () => {
  as = await createAuthorizationServer();
  guard = createTokenGuard({
    issuer: as.issuer,
    audience: as.audience,
    resource: RESOURCE,
    realm: 'api',
    dpop: { algorithms: ['ES256'] },
  });
});
afterAll(async () => {
  await guard?.close();
  await as?.close();
});

const CHALLENGE = `Bearer realm="api", resource_metadata="${RESOURCE}/.well-known/oauth-protected-resource", DPoP realm="api", algs="ES256", resource_metadata="${RESOURCE}/.well-known/oauth-protected-resource"`;
const get = (url: string, headers: Record<string, string> = {}) => new Request(url, { headers });

describe('requireToken()', () => {
  it('resolves to the principal for a valid token', async () => {
    const authenticate = requireToken(guard, { scopes: ['orders:read'] });
    const auth = await authenticate(
      get('http://api.test/orders', { authorization: `Bearer ${await as.mintAccessToken()}` }),
    );
    expect(auth).not.toBeInstanceOf(Response);
    expect((auth as { subject?: string }).subject).toBe('user-123');
  });

  it('resolves to a bare 401 Response without credentials', async () => {
    const response = await requireToken(guard)(get('http://api.test/orders'));
    expect(response).toBeInstanceOf(Response);
    const res = response as Response;
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(CHALLENGE);
    expect(await res.text()).toBe('');
  });

  it('resolves to a 403 with the scope to request and the JSON body', async () => {
    const token = await as.mintAccessToken({ scope: 'orders:read' });
    const res = (await requireToken(guard, { scopes: ['orders:write'] })(
      get('http://api.test/orders', { authorization: `Bearer ${token}` }),
    )) as Response;
    expect(res.status).toBe(403);
    expect(res.headers.get('www-authenticate')).toBe(
      `Bearer realm="api", error="insufficient_scope", error_description="The access token lacks the required scope", scope="orders:write", resource_metadata="${RESOURCE}/.well-known/oauth-protected-resource", DPoP realm="api", algs="ES256", resource_metadata="${RESOURCE}/.well-known/oauth-protected-resource"`,
    );
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toEqual({
      error: 'insufficient_scope',
      error_description: 'The access token lacks the required scope',
    });
  });

  it('a second authenticator of the same guard checks the principal, without a DPoP replay', async () => {
    const key = createDpopKey();
    const token = await as.mintAccessToken({ cnf: { jkt: key.thumbprint }, scope: 'orders:read' });
    const url = 'http://api.test/orders';
    const proof = await createDpopProof({ key, htm: 'GET', htu: url, accessToken: token });
    const request = get(url, { authorization: `DPoP ${token}`, dpop: proof });
    const outer = await requireToken(guard)(request);
    expect(outer).not.toBeInstanceOf(Response);
    const inner = (await requireToken(guard, { scopes: ['orders:write'] })(request)) as Response;
    expect(inner.status).toBe(403); // authorized on the principal: not a 401 replay
  });

  it('builds the DPoP htu from publicUrl when the guard has one', async () => {
    const behindProxy = createTokenGuard({
      issuer: as.issuer,
      audience: as.audience,
      publicUrl: 'https://api.example.com/v1',
      dpop: { algorithms: ['ES256'] },
    });
    const key = createDpopKey();
    const token = await as.mintAccessToken({ cnf: { jkt: key.thumbprint } });
    const proof = await createDpopProof({
      key,
      htm: 'GET',
      htu: 'https://api.example.com/v1/orders',
      accessToken: token,
    });
    // What the proxy forwarded: another origin, no prefix.
    const request = get('http://10.0.0.7:8080/orders', {
      authorization: `DPoP ${token}`,
      dpop: proof,
    });
    expect(await requireToken(behindProxy)(request)).not.toBeInstanceOf(Response);
    await behindProxy.close();
  });

  it('reads the Host header the client sent, and core refuses one that is no host (400)', async () => {
    const key = createDpopKey();
    const token = await as.mintAccessToken({ cnf: { jkt: key.thumbprint } });
    const proof = await createDpopProof({
      key,
      htm: 'GET',
      htu: 'http://api.test/me',
      accessToken: token,
    });
    // A server whose URL parser dropped the userinfo would build http://api.test/me: the proof's.
    const request = get('http://api.test/me', {
      authorization: `DPoP ${token}`,
      dpop: proof,
      host: 'user@api.test',
    });
    expect(webRequestView(request).host).toBe('user@api.test');
    const res = (await requireToken(guard)(request)) as Response;
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: 'invalid_request',
      error_description: 'The Host header is invalid',
    });
  });

  it('throws a TypeError naming a misspelled requirement, at construction', () => {
    expect(() => requireToken(guard, { scope: ['a'] } as never)).toThrow(
      'unknown requirement "requireToken.scope"; did you mean "scopes"?',
    );
    expect(() => requireToken(guard, { optional: true } as never)).toThrow(
      '"requireToken.optional" is not an option; use optionalToken() for anonymous access',
    );
  });
});

describe('optionalToken()', () => {
  it('lets an anonymous request through and still rejects a bad token', async () => {
    const maybe = optionalToken(guard);
    expect(await maybe(get('http://api.test/feed'))).toBeUndefined();
    const res = (await maybe(
      get('http://api.test/feed', { authorization: 'Bearer x.y.z' }),
    )) as Response;
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({
      error: 'invalid_token',
      error_description: 'The access token is invalid',
    });
  });
});

describe('withToken()', () => {
  it('answers a rejection itself and hands the principal to the handler', async () => {
    const handler = withToken(requireToken(guard), (_request, auth) =>
      Response.json({ user: auth.subject }),
    );
    expect((await handler(get('http://api.test/me'))).status).toBe(401);
    const ok = await handler(
      get('http://api.test/me', { authorization: `Bearer ${await as.mintAccessToken()}` }),
    );
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ user: 'user-123' });
  });

  it("sets core's response headers, on an immutable Response too", async () => {
    const queryGuard = createTokenGuard({
      issuer: as.issuer,
      audience: as.audience,
      tokenLocations: ['header', 'query'],
    });
    const handler = withToken(requireToken(queryGuard), () =>
      Response.redirect('http://api.test/elsewhere', 302),
    );
    const token = await as.mintAccessToken();
    const res = await handler(get(`http://api.test/me?access_token=${token}`));
    expect(res.status).toBe(302);
    expect(res.headers.get('cache-control')).toBe('private');
    await queryGuard.close();
  });
});

describe('protectedResourceMetadata()', () => {
  it('answers its path with the RFC 9728 document and nothing else', async () => {
    const metadata = protectedResourceMetadata(guard, { scopesSupported: ['orders:read'] });
    expect(metadata.path).toBe('/.well-known/oauth-protected-resource');
    const res = metadata(get('http://api.test/.well-known/oauth-protected-resource?x=1'));
    expect(res?.status).toBe(200);
    expect(res?.headers.get('content-type')).toBe('application/json');
    expect(await res?.json()).toEqual({
      resource: RESOURCE,
      authorization_servers: [as.issuer],
      bearer_methods_supported: ['header'],
      scopes_supported: ['orders:read'],
      dpop_signing_alg_values_supported: ['ES256'],
    });
    expect(metadata(get('http://api.test/orders'))).toBeUndefined();
    expect(
      metadata(
        new Request('http://api.test/.well-known/oauth-protected-resource', { method: 'POST' }),
      ),
    ).toBeUndefined();
  });

  it('needs a resource', () => {
    const plain = createTokenGuard({ issuer: as.issuer, audience: as.audience });
    expect(() => protectedResourceMetadata(plain)).toThrow(
      'tokenguard: "resource" is required to serve protected resource metadata (RFC 9728)',
    );
  });
});

describe('authErrorResponse()', () => {
  it('is the error as a Response', async () => {
    let error: unknown;
    await guard
      .authenticate(webRequestView(get('http://api.test/me', { authorization: 'Bearer' })))
      .catch((e) => {
        error = e;
      });
    const res = authErrorResponse(error as never);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: 'invalid_request',
      error_description: 'The request is malformed',
    });
  });
});

describe('a comma-joined Authorization header', () => {
  it.each([
    ['Bearer abc', 'Bearer abc'],
    ['Bearer abc, Bearer def', ['Bearer abc', 'Bearer def']],
    ['Basic dXNlcg==, Bearer def', ['Basic dXNlcg==', 'Bearer def']],
    ['Bearer abc, DPoP', ['Bearer abc', 'DPoP']],
    ['Digest username="a", realm="b", nonce="c"', 'Digest username="a", realm="b", nonce="c"'],
    ['Digest a = "1", b = "2"', 'Digest a = "1", b = "2"'],
    ['Bearer,abc', 'Bearer,abc'],
  ])('%j is read as %j', (value, expected) => {
    expect(authorizationValues(value)).toEqual(expected);
  });
});

describe('the environment guard', () => {
  let saved: Record<string, string | undefined>;
  beforeEach(() => {
    saved = {};
    for (const name of Object.keys(process.env)) {
      if (name.startsWith('TOKENGUARD_')) {
        saved[name] = process.env[name];
        delete process.env[name];
      }
    }
  });
  afterEach(() => {
    for (const name of Object.keys(process.env)) {
      if (name.startsWith('TOKENGUARD_')) delete process.env[name];
    }
    Object.assign(process.env, saved);
  });

  it('requireToken() reads TOKENGUARD_ISSUER and TOKENGUARD_AUDIENCE', async () => {
    process.env.TOKENGUARD_ISSUER = as.issuer;
    process.env.TOKENGUARD_AUDIENCE = as.audience;
    const auth = await requireToken({ scopes: ['orders:read'] })(
      get('http://api.test/orders', { authorization: `Bearer ${await as.mintAccessToken()}` }),
    );
    expect((auth as { principalId?: string }).principalId).toBe(`${as.issuer}|user-123`);
  });

  it('without them, a TypeError at construction says where options come from', () => {
    expect(() => requireToken()).toThrow(
      /TOKENGUARD_ISSUER, TOKENGUARD_AUDIENCE, … from the environment/,
    );
  });
});
