import {
  type AuthorizationServer,
  createAuthorizationServer,
  createDpopKey,
  createDpopProof,
} from '@tokenguard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as adapterEntry from '../src/adapter.js';
import {
  authenticateNow,
  authenticateRequest,
  authorizeRequest,
  pickRequirements,
  type RequestReader,
  recordUnchecked,
  requestState,
  requestView,
  routeRequirements,
} from '../src/adapter.js';
import * as mainEntry from '../src/index.js';
import { AuthError, createTokenGuard, type RequestHeaders, type TokenGuard } from '../src/index.js';

// The adapter toolkit (`@tokenguard/core/adapter`) on a plain request object, the way the three
// adapters use it: a reader per kind of request, one authentication per request and guard.

interface PlainRequest {
  method: string;
  headers: RequestHeaders;
  host: string;
  path: string;
  reads: string[];
}

const reader: RequestReader<PlainRequest> = {
  method: (req) => req.method,
  headers: (req) => req.headers,
  rawHeaders: () => undefined,
  protocol: (req) => {
    req.reads.push('protocol');
    return 'http';
  },
  host: (req) => {
    req.reads.push('host');
    return req.host;
  },
  path: (req) => {
    req.reads.push('path');
    return req.path;
  },
  body: () => undefined,
  socket: () => undefined,
};

let as: AuthorizationServer;
let guard: TokenGuard;
beforeAll(async () => {
  as = await createAuthorizationServer();
  guard = createTokenGuard({ issuer: as.issuer, audience: as.audience, dpop: {} });
});
afterAll(async () => {
  await guard.close();
  await as.close();
});

const request = (headers: RequestHeaders, host = 'api.example:8443'): PlainRequest => ({
  method: 'GET',
  headers,
  host,
  path: '/orders?page=2',
  reads: [],
});

const status = async (promise: Promise<unknown>) => {
  try {
    await promise;
    return 200;
  } catch (error) {
    if (error instanceof AuthError) return error.status;
    throw error;
  }
};

describe('@tokenguard/core/adapter', () => {
  it('keeps adapter plumbing off the main entry', () => {
    for (const name of [
      'buildChallenge',
      'quote',
      'isValidHost',
      'resourceMetadataUrl',
      'mergeResponseHeader',
    ]) {
      expect({ name, main: name in mainEntry, adapter: name in adapterEntry }).toEqual({
        name,
        main: false,
        adapter: true,
      });
    }
    // Nothing published on a `tokenguard:dpop` channel: proof rejections are on `rejected`.
    expect(Object.keys(mainEntry.channels)).toEqual([
      'authenticated',
      'rejected',
      'jwks',
      'introspection',
      'store',
    ]);
  });

  it('reads the URL parts only when core needs them, and builds the htu from them', async () => {
    const bearer = request({ authorization: `Bearer ${await as.mintAccessToken()}` });
    await authenticateRequest(guard, bearer, requestView(bearer, reader));
    expect(bearer.reads).toEqual([]);

    const key = createDpopKey('ES256');
    const token = await as.mintAccessToken({ cnf: { jkt: key.thumbprint } });
    // RFC 3986 normalisation: default port dropped and case folded on the proof's side.
    const proof = await createDpopProof({
      key,
      htm: 'GET',
      htu: 'HTTP://API.example:8443/orders',
      accessToken: token,
    });
    const dpop = request({ authorization: `DPoP ${token}`, dpop: proof });
    const auth = await authenticateRequest(guard, dpop, requestView(dpop, reader));
    expect(auth?.scheme).toBe('DPoP');
    expect(dpop.reads).toEqual(['path', 'host', 'protocol']);
  });

  it('answers 400 for an invalid Host when the htu needs it', async () => {
    const key = createDpopKey('ES256');
    const token = await as.mintAccessToken({ cnf: { jkt: key.thumbprint } });
    const proof = await createDpopProof({
      key,
      htm: 'GET',
      htu: 'http://evil.example/orders',
      accessToken: token,
    });
    const req = request({ authorization: `DPoP ${token}`, dpop: proof }, 'evil.example/x?');
    expect(await status(authenticateRequest(guard, req, requestView(req, reader)))).toBe(400);
  });

  it('authenticates a request once per guard: a second level authorizes, never replays a proof', async () => {
    const key = createDpopKey('ES256');
    const token = await as.mintAccessToken({ scope: 'orders:read', cnf: { jkt: key.thumbprint } });
    const proof = await createDpopProof({
      key,
      htm: 'GET',
      htu: 'http://api.example:8443/orders',
      accessToken: token,
    });
    const req = request({ authorization: `DPoP ${token}`, dpop: proof });
    const first = await authenticateRequest(guard, req, requestView(req, reader));
    const read = Object.freeze({ scopes: ['orders:read'] });
    expect(await authenticateRequest(guard, req, requestView(req, reader), read)).toBe(first);
    const write = Object.freeze({ scopes: ['orders:write'] });
    expect(await status(authenticateRequest(guard, req, requestView(req, reader), write))).toBe(
      403,
    );
    expect(requestState(req)?.auth).toBe(first);
    // Another request with the same proof is a replay.
    const again = request({ authorization: `DPoP ${token}`, dpop: proof });
    expect(await status(authenticateRequest(guard, again, requestView(again, reader)))).toBe(401);
  });

  it('authenticateNow(): answers a token verified before without a promise, throws a rejection at once', async () => {
    const token = await as.mintAccessToken({ scope: 'orders:read' });
    const fresh = await guard.authenticate({
      method: 'GET',
      url: 'http://x/',
      headers: { authorization: `Bearer ${token}` },
    });
    const first = request({ authorization: `Bearer ${token}` });
    const auth = authenticateNow(guard, first, reader, { scopes: ['orders:read'] });
    expect(auth).not.toBeInstanceOf(Promise);
    expect(auth).toBe(fresh);
    // Recorded, with the request as core saw it: the view and the record are one object.
    const state = requestState(first);
    expect(state?.auth).toBe(auth);
    expect(state?.request?.headers).toBe(first.headers);
    expect(state?.request).toBe(state);
    // A second level on the same request authorizes the principal, without a promise either.
    expect(() => authenticateNow(guard, first, reader, { scopes: ['admin'] })).toThrow(
      expect.objectContaining({ status: 403, code: 'insufficient_scope' }),
    );
    // A token never seen: its key set is fetched, so a promise; a bad one is thrown at once.
    const unseen = request({ authorization: `Bearer ${await as.mintAccessToken()}` });
    const other = createTokenGuard({ issuer: as.issuer, audience: as.audience });
    const pending = authenticateNow(other, unseen, reader);
    expect(pending).toBeInstanceOf(Promise);
    expect((await pending)?.subject).toBe('user-123');
    expect(() => authenticateNow(other, request({ authorization: 'Bearer a b' }), reader)).toThrow(
      expect.objectContaining({ status: 400, code: 'invalid_request' }),
    );
    await other.close();
  });

  it('authorizeRequest(): a bare 401 when no adapter authenticated the request', () => {
    let thrown: unknown;
    try {
      authorizeRequest({}, { scopes: ['orders:read'] });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(AuthError);
    expect((thrown as AuthError).toResponse()).toEqual({
      status: 401,
      headers: { 'WWW-Authenticate': 'Bearer' },
      body: undefined,
      json: undefined,
    });
    const unchecked = {};
    recordUnchecked(unchecked, guard);
    expect(requestState(unchecked)).toMatchObject({ guard, auth: undefined });
  });

  it('picks requirement keys, refusing typos and keys that are no option here', () => {
    expect(pickRequirements({ scopes: ['a'], cacheTtl: 5 }, 'route', { loose: true })).toEqual({
      scopes: ['a'],
    });
    expect(pickRequirements({}, 'route')).toBe(pickRequirements({ maxAge: undefined }, 'route'));
    expect(() => pickRequirements({ scope: ['a'] }, 'route', { loose: true })).toThrow(
      'tokenguard: unknown requirement "route.scope"; did you mean "scopes"?',
    );
    expect(() =>
      pickRequirements({ optional: true }, 'requireToken', { refuse: { optional: 'use x()' } }),
    ).toThrow('tokenguard: "requireToken.optional" is not an option; use x()');
    expect(() =>
      routeRequirements(guard, 'route GET /a', { acrValues: ['mfa'] }, { acrValues: ['hwk'] }),
    ).toThrow(/no token could pass \(route GET \/a\)$/);
    expect(() => routeRequirements(guard, 'route GET /b', { introspect: true })).toThrow(
      '"route GET /b.introspect: true" needs the "introspection" option',
    );
  });
});

describe('environmentGuard and requirementsArgument (what every adapter reads its arguments with)', () => {
  const env = { TOKENGUARD_ISSUER: 'https://issuer.example/', TOKENGUARD_AUDIENCE: 'api' };

  it('builds one guard per way of creating it, and another when the environment changes', () => {
    const first = adapterEntry.environmentGuard(env);
    expect(adapterEntry.environmentGuard({ ...env })).toBe(first);
    expect(adapterEntry.environmentGuard({ ...env, TOKENGUARD_AUDIENCE: 'other' })).not.toBe(first);
  });

  it('names where the options came from when they are wrong', () => {
    expect(() => adapterEntry.environmentGuard({}, undefined, 'from c.env')).toThrow(
      /"issuer" is required .*\(without a guard or guard options, tokenguard reads TOKENGUARD_ISSUER, TOKENGUARD_AUDIENCE, … from c\.env\)$/,
    );
  });

  it('refuses a misspelled requirement and optional, and allows the adapter’s own keys', () => {
    expect(() => adapterEntry.requirementsArgument('requireToken', { scope: ['a'] })).toThrow(
      /"scopes"/,
    );
    expect(() => adapterEntry.requirementsArgument('requireToken', { optional: true })).toThrow(
      'use optionalToken() for anonymous access',
    );
    expect(
      adapterEntry.requirementsArgument(
        'requireToken',
        { scopes: ['a'], forwardErrors: true },
        { known: ['forwardErrors'] },
      ),
    ).toEqual({ scopes: ['a'] });
  });
});
