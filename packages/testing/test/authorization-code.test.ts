import { createHash, randomBytes } from 'node:crypto';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuthorizationServer, createAuthorizationServer } from '../src/index.js';
import { basicAuth, postForm } from './helpers.js';

let server: AuthorizationServer;
const REDIRECT = 'http://127.0.0.1:9/callback';
const client = { clientId: 'mcp-client', clientSecret: 'mcp-secret' };

beforeAll(async () => {
  server = await createAuthorizationServer();
  server.registerClient({ ...client, scopes: ['notes:read'], redirectUris: [REDIRECT] });
});
afterAll(() => server.close());

const verifier = randomBytes(32).toString('base64url');
const challenge = createHash('sha256').update(verifier).digest('base64url');

async function authorize(params: Record<string, string>): Promise<URL> {
  const url = new URL(server.authorizationEndpoint);
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  const res = await fetch(url, { redirect: 'manual' });
  expect(res.status).toBe(302);
  return new URL(res.headers.get('location') ?? '');
}

const valid = {
  response_type: 'code',
  client_id: client.clientId,
  redirect_uri: REDIRECT,
  code_challenge: challenge,
  code_challenge_method: 'S256',
  scope: 'notes:read',
  state: 'xyz',
  resource: 'http://127.0.0.1:8080/mcp',
};

const redeem = (code: string, extra: Record<string, string> = {}) =>
  postForm(
    server.tokenEndpoint,
    {
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT,
      code_verifier: verifier,
      ...extra,
    },
    { authorization: basicAuth(client.clientId, client.clientSecret) },
  );

describe('the authorization code grant with PKCE and a resource indicator', () => {
  it('approves at once and issues a token for the resource (RFC 8707), once per code', async () => {
    const back = await authorize(valid);
    expect(back.origin + back.pathname).toBe(REDIRECT);
    expect(back.searchParams.get('state')).toBe('xyz');
    expect(back.searchParams.get('iss')).toBe(server.issuer);
    const code = back.searchParams.get('code') ?? '';
    const res = await redeem(code);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { access_token: string; scope: string };
    expect(body.scope).toBe('notes:read');
    expect(decodeJwt(body.access_token)).toMatchObject({
      sub: 'user-123',
      client_id: client.clientId,
      aud: 'http://127.0.0.1:8080/mcp',
      scope: 'notes:read',
    });
    const again = await redeem(code);
    expect(again.status).toBe(400);
    expect(await again.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('grants the requested scopes the client is registered for, and refuses when none is', async () => {
    const code =
      (await authorize({ ...valid, scope: 'notes:read notes:write' })).searchParams.get('code') ??
      '';
    const body = (await (await redeem(code)).json()) as { scope: string };
    expect(body.scope).toBe('notes:read');
    const refused = await authorize({ ...valid, scope: 'notes:write' });
    expect(refused.searchParams.get('error')).toBe('invalid_scope');
  });

  it('refuses a wrong PKCE verifier', async () => {
    const code = (await authorize(valid)).searchParams.get('code') ?? '';
    const res = await redeem(code, { code_verifier: randomBytes(32).toString('base64url') });
    expect(await res.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('redirects back an error without PKCE, and never redirects to an unregistered URI', async () => {
    const { code_challenge: _, ...withoutPkce } = valid;
    const back = await authorize(withoutPkce);
    expect(back.searchParams.get('error')).toBe('invalid_request');
    const url = new URL(server.authorizationEndpoint);
    url.search = new URLSearchParams({
      ...valid,
      redirect_uri: 'https://evil.example/cb',
    }).toString();
    const res = await fetch(url, { redirect: 'manual' });
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
  });

  it('client_credentials honours a resource indicator too, and refuses one that is no URI', async () => {
    const grant = (resource: string) =>
      postForm(
        server.tokenEndpoint,
        { grant_type: 'client_credentials', resource },
        {
          authorization: basicAuth(
            server.defaultClient.clientId,
            server.defaultClient.clientSecret,
          ),
        },
      );
    const ok = (await (await grant('https://api.example.com/v2')).json()) as {
      access_token: string;
    };
    expect(decodeJwt(ok.access_token).aud).toBe('https://api.example.com/v2');
    const bad = await grant('not a uri');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: 'invalid_target' });
  });
});
