import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuthorizationServer, createAuthorizationServer } from '../src/index.js';
import { basicAuth, introspect, postForm } from './helpers.js';

let server: AuthorizationServer;
let auth: string;

beforeAll(async () => {
  server = await createAuthorizationServer();
  auth = basicAuth(server.defaultClient.clientId, server.defaultClient.clientSecret);
});
afterAll(() => server.close());

async function stillServes(): Promise<void> {
  const token = await server.mintAccessToken();
  expect((await introspect(server, token)).active).toBe(true);
  expect((await fetch(server.jwksUri)).status).toBe(200);
}

function raw(request: string): Promise<string> {
  const { port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => socket.end(request));
    let answer = '';
    socket.on('data', (chunk) => {
      answer += chunk.toString('latin1');
    });
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
  });
}

describe('malformed requests', () => {
  it('answers 404 for an unknown path', async () => {
    const response = await fetch(`${server.url}/.well-known/unknown`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: 'not_found' });
    await stillServes();
  });

  it.each([
    ['GET', 'tokenEndpoint', 'POST'],
    ['PUT', 'introspectionEndpoint', 'POST'],
    ['POST', 'jwksUri', 'GET, HEAD'],
    ['DELETE', 'metadataUri', 'GET, HEAD'],
  ] as const)('answers 405 for %s on %s', async (method, endpoint, allow) => {
    const response = await fetch(server[endpoint], { method });

    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe(allow);
    await stillServes();
  });

  it('answers HEAD on the JWKS without a body', async () => {
    const response = await fetch(server.jwksUri, { method: 'HEAD' });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('');
  });

  it('answers 400 invalid_request for a JSON body', async () => {
    const response = await fetch(server.tokenEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: auth },
      body: '{"grant_type": "client_credentials"',
    });

    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: 'invalid_request',
      error_description: 'the request body must be application/x-www-form-urlencoded',
    });
    await stillServes();
  });

  it('answers 400 invalid_request for a repeated parameter', async () => {
    const response = await fetch(server.introspectionEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: auth },
      body: 'token=a&token=b',
    });

    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: 'invalid_request',
      error_description: 'parameter "token" is repeated',
    });
  });

  it('survives a form body of binary garbage and bad escapes', async () => {
    const response = await fetch(server.introspectionEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: auth },
      body: Buffer.from([0xff, 0xfe, 0x25, 0x7a, 0x7a, 0x3d, 0x26, 0x00, 0x3d]),
    });

    expect(response.status).toBe(400);
    await stillServes();
  });

  it.each([
    ['not base64', 'Basic !!!'],
    ['no colon', `Basic ${Buffer.from('test-client').toString('base64')}`],
    ['a bad escape', `Basic ${Buffer.from('test-client:%zz').toString('base64')}`],
    ['an empty value', 'Basic'],
  ])('answers 401 invalid_client for Basic credentials with %s', async (_, authorization) => {
    const response = await postForm(
      server.introspectionEndpoint,
      { token: 'x' },
      { authorization },
    );

    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: string }).error).toBe('invalid_client');
    await stillServes();
  });

  it('answers 413 for a body over 64 KiB with a Content-Length', async () => {
    const response = await fetch(server.tokenEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: auth },
      body: `grant_type=client_credentials&x=${'a'.repeat(100_000)}`,
    });

    expect(response.status).toBe(413);
    expect(((await response.json()) as { error: string }).error).toBe('invalid_request');
    await stillServes();
  });

  it('answers 413 for a chunked body over 64 KiB', async () => {
    const chunk = new TextEncoder().encode('a'.repeat(16_384));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 8) controller.enqueue(chunk);
        else controller.close();
      },
    });

    const response = await fetch(server.introspectionEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: auth },
      body,
      duplex: 'half',
    } as RequestInit);

    expect(response.status).toBe(413);
    await stillServes();
  });

  it('survives bytes that are not HTTP at all', async () => {
    const answer = await raw('GARBAGE \x00\x01\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 400/);
    await stillServes();
  });

  it('survives a request target that is not a path', async () => {
    const answer = await raw('GET * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 404/);
    await stillServes();
  });

  it('ignores a query string on a known path', async () => {
    const response = await fetch(`${server.jwksUri}?v=2`);
    expect(response.status).toBe(200);
  });
});
