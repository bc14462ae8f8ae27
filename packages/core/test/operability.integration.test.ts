import diagnostics from 'node:diagnostics_channel';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type AuthorizationServer,
  createAuthorizationServer,
  createDpopKey,
  createDpopProof,
} from '@tokenguard/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { channels, type RejectedEvent } from '../src/diagnostics.js';
import {
  type AuthError,
  createTokenGuard,
  ServiceUnavailableError,
  type TokenGuard,
  type TokenGuardOptions,
  UpstreamError,
} from '../src/index.js';
import { testClock } from './support/api.js';

// What an operator sees when something is wrong: the facts behind each rejection (on the error,
// on the rejected event, in one debug line), upstream trouble once per change of state, and
// warmUp() naming the URL and the cause. Never the token.

let as: AuthorizationServer;
const guards: TokenGuard[] = [];

beforeAll(async () => {
  as = await createAuthorizationServer();
});
afterEach(async () => {
  as.faults.clear();
  await Promise.all(guards.splice(0).map((guard) => guard.close()));
});
afterAll(() => as?.close());

function guardWith(options: Partial<TokenGuardOptions> = {}): TokenGuard {
  const guard = createTokenGuard({ issuer: as.issuer, audience: as.audience, ...options });
  guards.push(guard);
  return guard;
}

async function rejection(promise: Promise<unknown>): Promise<AuthError> {
  try {
    await promise;
  } catch (error) {
    return error as AuthError;
  }
  throw new Error('expected a rejection');
}

/** A logger in the shape of `console`: it keeps its lines. */
function lineLogger() {
  const lines = { debug: [] as string[], warn: [] as string[] };
  return {
    lines,
    logger: {
      debug: (message: string) => lines.debug.push(message),
      warn: (message: string) => lines.warn.push(message),
    },
  };
}

/** A port nothing listens on: connections to it are refused. */
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Serves the authorization server's JWKS at `port` (the JWKS "comes back"). */
async function jwksAt(port: number): Promise<Server> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(as.jwks()));
  }).listen(port, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

describe('rejection details: expected and actual, on the error', () => {
  it.each([
    [
      'a token for another audience',
      {},
      () => as.mintAccessToken({ aud: 'https://other.example' }),
      'jwt.aud',
      { field: 'aud', expected: ['https://api.example.com'], actual: 'https://other.example' },
    ],
    [
      'an issuer with a trailing slash',
      { jwksUri: '<jwks>' },
      () => as.mintAccessToken({ iss: `${as.issuer}/` }),
      'jwt.iss',
      { field: 'iss', expected: ['<issuer>'], actual: '<issuer>/' },
    ],
    [
      'typ JWT',
      {},
      () => as.mintAccessToken({}, { typ: 'JWT' }),
      'jwt.typ',
      { field: 'typ', expected: ['at+jwt'], actual: 'JWT' },
    ],
    [
      'an algorithm not allowed',
      { algorithms: ['RS256'] },
      () => as.mintAccessToken({}, { alg: 'ES256' }),
      'jwt.alg',
      { field: 'alg', expected: ['RS256'], actual: 'ES256' },
    ],
  ] as const)('%s', async (_name, options, mint, reason, details) => {
    const fill = (value: unknown): unknown =>
      typeof value === 'string'
        ? value.replace('<issuer>', as.issuer).replace('<jwks>', as.jwksUri)
        : Array.isArray(value)
          ? value.map(fill)
          : value;
    const guard = guardWith(
      Object.fromEntries(Object.entries(options).map(([k, v]) => [k, fill(v)])),
    );
    const error = await rejection(guard.verify(await mint()));
    expect({ reason: error.reason, details: error.details }).toEqual({
      reason,
      details: Object.fromEntries(Object.entries(details).map(([k, v]) => [k, fill(v)])),
    });
  });

  it('an unknown kid: the kids the JWKS has', async () => {
    const error = await rejection(
      guardWith().verify(await as.mintAccessToken({}, { kid: 'rotated-away' })),
    );
    expect(error.reason).toBe('jwks.kid_unknown');
    expect(error.details?.field).toBe('kid');
    expect(error.details?.actual).toBe('rotated-away');
    expect(error.details?.expected).toEqual(expect.arrayContaining([as.kids.ES256, as.kids.RS256]));
  });

  it('an expired token: exp, the guard clock and its tolerance', async () => {
    const clock = testClock();
    const token = await as.mintAccessToken({}, { expiresIn: -120 });
    const exp = JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString()).exp;
    const error = await rejection(guardWith({ clock: clock.now }).verify(token));
    expect(error.reason).toBe('jwt.expired');
    expect(error.details).toEqual({
      field: 'exp',
      actual: exp,
      now: expect.any(Number),
      clockTolerance: 30,
    });
    expect((error.details?.now as number) - exp).toBeGreaterThanOrEqual(120);
  });

  it('a missing scope: required and granted', async () => {
    const error = await rejection(
      guardWith().verify(await as.mintAccessToken({ scope: 'orders:read' }), {
        scopes: ['orders:write'],
      }),
    );
    expect(error.details).toEqual({
      field: 'scope',
      expected: ['orders:write'],
      actual: ['orders:read'],
    });
  });

  it('a claim rule: the claim, the rule and the value', async () => {
    const error = await rejection(
      guardWith().verify(await as.mintAccessToken({ tenant: 'globex' }), {
        claims: { tenant: { equals: 'acme' } },
      }),
    );
    expect(error.details).toEqual({ field: 'tenant', expected: 'acme', actual: 'globex' });
  });

  it('a DPoP proof for another URL: the request URL and the proof htu', async () => {
    const key = createDpopKey();
    const token = await as.mintAccessToken({ cnf: { jkt: key.thumbprint } });
    const proof = await createDpopProof({
      key,
      htm: 'GET',
      htu: 'https://api.example.com/other?x=1',
      accessToken: token,
    });
    const error = await rejection(
      guardWith({ dpop: {} }).authenticate({
        method: 'GET',
        url: 'https://api.example.com/orders',
        headers: { authorization: `DPoP ${token}`, dpop: proof },
      }),
    );
    expect({ reason: error.reason, details: error.details }).toEqual({
      reason: 'dpop.htu',
      details: {
        field: 'htu',
        expected: 'https://api.example.com/orders',
        actual: 'https://api.example.com/other',
      },
    });
  });

  it('what the client chose is an excerpt: printable, at most 80 characters', async () => {
    const aud = `https://evil.example/\n\u001b[31m${'a'.repeat(200)}`;
    const error = await rejection(guardWith().verify(await as.mintAccessToken({ aud })));
    const actual = error.details?.actual as string;
    expect(actual).toMatch(/^[\x20-\x7e…]+$/);
    expect(actual.length).toBeLessThanOrEqual(81);
    expect(actual.startsWith('https://evil.example/??[31m')).toBe(true);
  });

  it('the rejected event carries the same details, its fields unchanged', async () => {
    const events: RejectedEvent[] = [];
    const listener = (event: unknown) => events.push(event as RejectedEvent);
    diagnostics.subscribe(channels.rejected, listener);
    try {
      await rejection(guardWith().verify(await as.mintAccessToken({ aud: 'https://other' })));
    } finally {
      diagnostics.unsubscribe(channels.rejected, listener);
    }
    expect(events).toEqual([
      {
        status: 401,
        code: 'invalid_token',
        reason: 'jwt.aud',
        tokenId: expect.stringMatching(/^sha256:[0-9a-f]{12}$/),
        details: { field: 'aud', expected: ['https://api.example.com'], actual: 'https://other' },
      },
    ]);
  });
});

describe('the logger option', () => {
  it('a rejection is one debug line with expected and actual, never the token', async () => {
    const { lines, logger } = lineLogger();
    const guard = guardWith({ logger });
    const token = await as.mintAccessToken({ aud: 'https://other.example' });
    await rejection(guard.verify(token));
    expect(lines.warn).toEqual([]);
    expect(lines.debug).toEqual([
      expect.stringMatching(
        /^tokenguard: rejected 401 invalid_token \(jwt\.aud\): aud is "https:\/\/other\.example", expected "https:\/\/api\.example\.com" \[token sha256:[0-9a-f]{12}\]$/,
      ),
    ]);
    expect(lines.debug.join('\n')).not.toContain(token);
    expect(lines.debug.join('\n')).not.toContain(token.split('.')[2]);
  });

  it('says nothing about an accepted request', async () => {
    const { lines, logger } = lineLogger();
    const guard = guardWith({ logger });
    await guard.verify(await as.mintAccessToken());
    await guard.verify(await as.mintAccessToken());
    expect(lines).toEqual({ debug: [], warn: [] });
  });

  it('gives a pino-shaped logger the facts as an object, and builds nothing when debug is off', async () => {
    const calls: unknown[][] = [];
    let debugOn = true;
    const pino = {
      levels: { values: { debug: 20, warn: 40 }, labels: { 20: 'debug', 40: 'warn' } },
      child: () => pino,
      isLevelEnabled: (level: string) => level !== 'debug' || debugOn,
      debug: (...args: unknown[]) => calls.push(args),
      warn: (...args: unknown[]) => calls.push(args),
    };
    const guard = guardWith({ logger: pino });
    await rejection(guard.verify(await as.mintAccessToken({ scope: 'a' }), { scopes: ['b'] }));
    expect(calls).toEqual([
      [
        {
          tokenguard: {
            event: 'rejected',
            status: 403,
            code: 'insufficient_scope',
            reason: 'authz.scope_missing',
            tokenId: expect.stringMatching(/^sha256:/),
            details: { field: 'scope', expected: ['b'], actual: ['a'] },
          },
        },
        expect.stringContaining('scope: required ["b"], granted ["a"]'),
      ],
    ]);
    debugOn = false;
    await rejection(guard.verify(await as.mintAccessToken({ scope: 'a' }), { scopes: ['b'] }));
    expect(calls).toHaveLength(1);
  });

  it('refuses a logger without debug() and warn()', () => {
    expect(() => guardWith({ logger: {} as never })).toThrow(
      /^tokenguard: "logger" must have debug\(\) and warn\(\) methods/,
    );
  });

  it('an unreachable JWKS: one warn line naming the URL and ECONNREFUSED, then one on recovery', async () => {
    const port = await closedPort();
    const jwksUri = `http://127.0.0.1:${port}/jwks`;
    const { lines, logger } = lineLogger();
    const clock = testClock();
    const guard = guardWith({ jwksUri, logger, clock: clock.now, jwks: { failureBackoff: 1 } });
    for (let i = 0; i < 3; i++) {
      const error = await rejection(guard.verify(await as.mintAccessToken()));
      expect(error).toBeInstanceOf(ServiceUnavailableError);
      expect(error.cause).toBeInstanceOf(UpstreamError);
      clock.advance(2);
    }
    expect(lines.warn).toEqual([
      `tokenguard: the JWKS of issuer ${as.issuer} is down at ${jwksUri}: ECONNREFUSED; requests that need its keys are answered 503 until it recovers`,
    ]);
    // Each 503 is a debug line naming the cause too.
    expect(lines.debug[0]).toBe(
      `tokenguard: rejected 503 temporarily_unavailable (jwks.unavailable): the JWKS of issuer ${as.issuer} failed (${jwksUri}): ECONNREFUSED [token ${lines.debug[0]?.match(/sha256:\w+/)?.[0]}]`,
    );
    const server = await jwksAt(port);
    try {
      await guard.verify(await as.mintAccessToken());
      await guard.verify(await as.mintAccessToken());
    } finally {
      server.close();
    }
    expect(lines.warn.slice(1)).toEqual([
      `tokenguard: the JWKS of issuer ${as.issuer} recovered at ${jwksUri}`,
    ]);
  });

  it('stale keys in use: one warn line, then recovery', async () => {
    const { lines, logger } = lineLogger();
    const clock = testClock();
    const guard = guardWith({ logger, clock: clock.now, jwks: { cacheMaxAge: 10 } });
    await guard.warmUp();
    as.faults.set('jwks', { status: 500 });
    clock.advance(11);
    // Served from the stale set while it is refreshed in the background.
    await guard.verify(await as.mintAccessToken());
    await expect.poll(() => lines.warn).toHaveLength(1);
    expect(lines.warn[0]).toBe(
      `tokenguard: the JWKS of issuer ${as.issuer} is down at ${as.jwksUri}: HTTP 500; the last good keys stay in use until they are refreshed or too old (jwks.staleMaxAge)`,
    );
    as.faults.clear('jwks');
    clock.advance(6);
    await guard.verify(await as.mintAccessToken());
    await expect.poll(() => lines.warn).toHaveLength(2);
    expect(lines.warn[1]).toBe(
      `tokenguard: the JWKS of issuer ${as.issuer} recovered at ${as.jwksUri}`,
    );
  });

  it('the introspection endpoint down and back: one line each', async () => {
    const { lines, logger } = lineLogger();
    const clock = testClock();
    const guard = guardWith({
      logger,
      clock: clock.now,
      introspection: {
        clientId: as.defaultClient.clientId,
        clientSecret: as.defaultClient.clientSecret,
      },
    });
    as.faults.set('introspection', { status: 502 });
    for (let i = 0; i < 2; i++) {
      await rejection(guard.verify(await as.mintOpaqueToken()));
      clock.advance(2);
    }
    as.faults.clear('introspection');
    await guard.verify(await as.mintOpaqueToken());
    expect(lines.warn).toEqual([
      `tokenguard: the introspection endpoint of issuer ${as.issuer} is down at ${as.issuer}/introspect: HTTP 502; opaque tokens are answered 503 until it recovers`,
      `tokenguard: the introspection endpoint of issuer ${as.issuer} recovered at ${as.issuer}/introspect`,
    ]);
  });
});

describe('warmUp() and UpstreamError', () => {
  it('names the URL, the cause code and the issuer', async () => {
    const port = await closedPort();
    const jwksUri = `http://user:secret@127.0.0.1:${port}/jwks?key=secret`;
    const error = (await rejection(guardWith({ jwksUri }).warmUp())) as unknown as UpstreamError;
    expect(error).toBeInstanceOf(UpstreamError);
    expect({ ...error, message: error.message }).toMatchObject({
      failure: 'network',
      code: 'ECONNREFUSED',
      status: undefined,
      endpoint: 'jwks',
      issuer: as.issuer,
      url: `http://127.0.0.1:${port}/jwks?…`,
      message: `tokenguard: the JWKS of issuer ${as.issuer} failed (http://127.0.0.1:${port}/jwks?…): ECONNREFUSED`,
    });
    expect(error.message).not.toContain('secret');
  });

  it('names the HTTP status', async () => {
    as.faults.set('jwks', { status: 500 });
    const error = (await rejection(guardWith().warmUp())) as unknown as UpstreamError;
    expect(error.message).toBe(
      `tokenguard: the JWKS of issuer ${as.issuer} failed (${as.jwksUri}): HTTP 500`,
    );
    expect(error.status).toBe(500);
  });

  it('a metadata document for another issuer (a trailing slash): what it names', async () => {
    const error = (await rejection(
      guardWith({ issuer: `${as.issuer}/` }).warmUp(),
    )) as unknown as UpstreamError;
    expect(error.endpoint).toBe('discovery');
    expect(error.details).toEqual({
      field: 'issuer',
      expected: `${as.issuer}/`,
      actual: as.issuer,
    });
    expect(error.message).toContain(`its issuer is "${as.issuer}", not "${as.issuer}/"`);
  });

  it('resolves once the keys are fetched', async () => {
    const guard = guardWith();
    await guard.warmUp();
    expect(as.counts.jwks).toBeGreaterThan(0);
  });
});

describe('verify(token, requirements)', () => {
  it('checks a token without a request: the same principal as authenticate()', async () => {
    const guard = guardWith({ tokenLocations: ['query'] });
    const auth = await guard.verify(await as.mintAccessToken({ scope: 'orders:read' }), {
      scopes: ['orders:read'],
    });
    expect(auth).toMatchObject({ scheme: 'Bearer', format: 'jwt', subject: 'user-123' });
    expect([...auth.scopes]).toEqual(['orders:read']);
  });

  it('applies requirements: a missing scope is 403', async () => {
    const error = await rejection(
      guardWith().verify(await as.mintAccessToken(), { scopes: ['orders:write'] }),
    );
    expect({ status: error.status, code: error.code }).toEqual({
      status: 403,
      code: 'insufficient_scope',
    });
  });

  it('checks opaque tokens through introspection', async () => {
    const guard = guardWith({
      introspection: {
        clientId: as.defaultClient.clientId,
        clientSecret: as.defaultClient.clientSecret,
      },
    });
    const auth = await guard.verify(await as.mintOpaqueToken({ sub: 'opaque' }));
    expect(auth.format).toBe('opaque');
    expect(auth.subject).toBe('opaque');
  });

  it('refuses sender-constrained tokens: DPoP stays request-bound', async () => {
    const dpopBound = await as.mintAccessToken({ cnf: { jkt: createDpopKey().thumbprint } });
    const certBound = await as.mintAccessToken({ cnf: { 'x5t#S256': 'a'.repeat(43) } });
    for (const guard of [guardWith(), guardWith({ dpop: {}, mtls: {} })]) {
      const dpop = await rejection(guard.verify(dpopBound));
      expect({ status: dpop.status, reason: dpop.reason }).toEqual({
        status: 401,
        reason: 'dpop.bound_token_as_bearer',
      });
      expect((await rejection(guard.verify(certBound))).status).toBe(401);
    }
  });

  it('a string that is not a token is 400 invalid_request', async () => {
    const error = await rejection(guardWith().verify('not a token'));
    expect({ status: error.status, code: error.code }).toEqual({
      status: 400,
      code: 'invalid_request',
    });
  });
});
