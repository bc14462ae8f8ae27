import { createRemoteJWKSet, errors, jwtVerify } from 'jose';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type AuthorizationServer, createAuthorizationServer } from '../src/index.js';
import { basicAuth, postForm } from './helpers.js';

let server: AuthorizationServer;

beforeEach(async () => {
  server = await createAuthorizationServer();
});
afterEach(() => server.close());

function introspectResponse(token: string, signal?: AbortSignal): Promise<Response> {
  const { clientId, clientSecret } = server.defaultClient;
  return fetch(server.introspectionEndpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: basicAuth(clientId, clientSecret),
    },
    body: new URLSearchParams({ token }).toString(),
    ...(signal === undefined ? {} : { signal }),
  });
}

describe('status faults', () => {
  it('answers the JWKS with 500 until cleared', async () => {
    const token = await server.mintAccessToken();
    server.faults.set('jwks', { status: 500 });

    const response = await fetch(server.jwksUri);
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({
      error: 'server_error',
      error_description: 'injected fault',
    });
    const keys = createRemoteJWKSet(new URL(server.jwksUri));
    await expect(jwtVerify(token, keys)).rejects.toBeInstanceOf(errors.JOSEError);

    server.faults.clear('jwks');

    expect(server.faults.get('jwks')).toBeUndefined();
    await expect(
      jwtVerify(token, createRemoteJWKSet(new URL(server.jwksUri))),
    ).resolves.toBeDefined();
  });

  it('applies to the next n requests only with times', async () => {
    server.faults.set('introspection', { status: 503, times: 2 });

    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await introspectResponse('x')).status);

    expect(statuses).toEqual([503, 503, 200]);
    expect(server.faults.get('introspection')).toBeUndefined();
  });

  it('fails the token endpoint with any status', async () => {
    server.faults.set('token', { status: 429 });
    const { clientId, clientSecret } = server.defaultClient;

    const response = await postForm(
      server.tokenEndpoint,
      { grant_type: 'client_credentials' },
      { authorization: basicAuth(clientId, clientSecret) },
    );

    expect(response.status).toBe(429);
  });
});

describe('body faults', () => {
  it('answers both metadata documents with the given body and content type', async () => {
    server.faults.set('metadata', { body: 'not json', contentType: 'text/html' });

    for (const url of [server.metadataUri, server.discoveryUri]) {
      const response = await fetch(url);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/html');
      expect(await response.text()).toBe('not json');
    }
  });

  it('defaults to a JSON content type', async () => {
    server.faults.set('jwks', { body: '{"keys":"nope"}' });

    const response = await fetch(server.jwksUri);

    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual({ keys: 'nope' });
  });
});

describe('hang', () => {
  it('never answers; a client with a timeout gives up', async () => {
    server.faults.set('jwks', { hang: true });

    await expect(fetch(server.jwksUri, { signal: AbortSignal.timeout(200) })).rejects.toMatchObject(
      { name: 'TimeoutError' },
    );
    expect(server.counts.jwks).toBe(1);
  });

  it('answers held requests normally once cleared', async () => {
    server.faults.set('introspection', { hang: true });
    const token = await server.mintAccessToken();
    const pending = introspectResponse(token);
    await vi.waitFor(() => expect(server.counts.introspection).toBe(1));

    server.faults.clear();

    const response = await pending;
    expect(response.status).toBe(200);
    expect(((await response.json()) as { active: boolean }).active).toBe(true);
  });

  it('does not keep close() from finishing', async () => {
    const other = await createAuthorizationServer();
    other.faults.set('metadata', { hang: true });
    const pending = fetch(other.metadataUri).then(
      () => 'answered',
      () => 'failed',
    );
    await vi.waitFor(() => expect(other.counts.metadata).toBe(1));

    await other.close();

    expect(await pending).toBe('failed');
  });
});

describe('delayMs', () => {
  it('answers correctly after the delay', async () => {
    server.faults.set('jwks', { delayMs: 100 });

    const response = await fetch(server.jwksUri);

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(server.jwks());
  });

  it('is given up on by a client with a shorter timeout', async () => {
    server.faults.set('introspection', { delayMs: 5_000 });

    await expect(introspectResponse('x', AbortSignal.timeout(100))).rejects.toMatchObject({
      name: 'TimeoutError',
    });
  });
});

describe('oversized', () => {
  it('pads the real answer to exactly that many bytes of valid JSON', async () => {
    server.faults.set('jwks', { oversized: 2_000_000 });

    const response = await fetch(server.jwksUri);
    const text = await response.text();

    expect(response.status).toBe(200);
    expect(Buffer.byteLength(text)).toBe(2_000_000);
    expect(response.headers.get('content-length')).toBe('2000000');
    const body = JSON.parse(text) as { keys: unknown[]; padding: string };
    expect(body.keys).toEqual(server.jwks().keys);
    expect(body.padding).toMatch(/^x+$/);
  });
});

describe('counts', () => {
  it('counts requests per endpoint, faulty or not, until reset', async () => {
    server.faults.set('token', { status: 500 });
    await fetch(server.jwksUri);
    await fetch(server.jwksUri);
    await fetch(server.metadataUri);
    await fetch(server.discoveryUri);
    await introspectResponse('x');
    await postForm(server.tokenEndpoint, {});
    await fetch(`${server.url}/unknown`);

    expect(server.counts).toEqual({ jwks: 2, introspection: 1, token: 1, metadata: 2 });

    server.resetCounts();

    expect(server.counts).toEqual({ jwks: 0, introspection: 0, token: 0, metadata: 0 });
  });

  it('is a snapshot', async () => {
    const before = server.counts;
    await fetch(server.jwksUri);
    expect(before.jwks).toBe(0);
    expect(server.counts.jwks).toBe(1);
  });
});

describe('argument checks', () => {
  it('rejects unknown endpoints and malformed faults with a TypeError', () => {
    expect(() => server.faults.set('userinfo' as 'jwks', { status: 500 })).toThrow(
      'faults.set: "endpoint" must be one of jwks, introspection, token, metadata',
    );
    expect(() => server.faults.set('jwks', {} as { status: number })).toThrow(
      'faults.set: "fault" needs one of status, body, hang, delayMs, oversized',
    );
    expect(() => server.faults.set('jwks', { status: 99 })).toThrow(TypeError);
    expect(() => server.faults.set('jwks', { hang: true, delayMs: 5 } as { hang: true })).toThrow(
      'faults.set: "fault" cannot combine hang and delayMs',
    );
    expect(() => server.faults.clear('nope' as 'jwks')).toThrow(TypeError);
  });
});
