import { generateKeyPairSync } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

/** The resource (RFC 8707) our API is, and the audience its tokens carry. */
export const RESOURCE = 'https://api.example.com';
export const SCOPES = 'orders:read orders:write';

/** Clients registered at the provider. */
export const CLIENTS = {
  /** Gets RFC 9068 JWT access tokens. */
  jwt: { clientId: 'jwt-client', clientSecret: 'jwt-client-secret-that-is-long-enough' },
  /** Gets opaque access tokens. */
  opaque: { clientId: 'opaque-client', clientSecret: 'opaque-client-secret-that-is-long-enough' },
  /** The API itself, for introspection. */
  api: { clientId: 'orders-api', clientSecret: 'orders-api-secret-that-is-long-enough' },
} as const;

export interface RunningProvider {
  issuer: string;
  port: number;
  /** Restarts the provider on the same port with a fresh signing key (key rotation). */
  rotateKeys(): Promise<void>;
  close(): Promise<void>;
}

function signingKey() {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    ...privateKey.export({ format: 'jwk' }),
    alg: 'ES256',
    use: 'sig',
    kid: `k-${Date.now()}`,
  };
}

function provider(issuer: string, keys: object[]): Provider {
  return new Provider(issuer, {
    clients: [
      ...[CLIENTS.jwt, CLIENTS.opaque].map(({ clientId, clientSecret }) => ({
        client_id: clientId,
        client_secret: clientSecret,
        grant_types: ['client_credentials'],
        redirect_uris: [],
        response_types: [],
        token_endpoint_auth_method: 'client_secret_basic' as const,
        id_token_signed_response_alg: 'ES256' as const,
        scope: SCOPES,
      })),
      {
        client_id: CLIENTS.api.clientId,
        client_secret: CLIENTS.api.clientSecret,
        grant_types: [],
        redirect_uris: [],
        response_types: [],
        token_endpoint_auth_method: 'client_secret_basic' as const,
        id_token_signed_response_alg: 'ES256' as const,
      },
    ],
    jwks: { keys: keys as never },
    scopes: ['openid', 'orders:read', 'orders:write'],
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      revocation: { enabled: true },
      dPoP: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, _resource, client) => ({
          scope: SCOPES,
          audience: RESOURCE,
          accessTokenTTL: 300,
          accessTokenFormat: client.clientId === CLIENTS.opaque.clientId ? 'opaque' : 'jwt',
          jwt: { sign: { alg: 'ES256' } },
        }),
      },
    },
  });
}

/**
 * Starts `oidc-provider` — a certified OpenID Provider nobody here wrote — on loopback, issuing
 * RFC 9068 JWT access tokens for our API through resource indicators, opaque tokens with
 * introspection and revocation, and DPoP-bound tokens.
 */
export async function startProvider(): Promise<RunningProvider> {
  let server: Server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  const issuer = `http://127.0.0.1:${port}`;
  let keys = [signingKey()];
  const attach = (target: Server) => {
    const oidc = provider(issuer, keys);
    // Plain http on loopback: tell Koa the connection is what it is.
    oidc.proxy = false;
    target.on('request', oidc.callback());
  };
  attach(server);
  return {
    issuer,
    port,
    async rotateKeys() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      keys = [signingKey()];
      server = createServer();
      attach(server);
      server.listen(port, '127.0.0.1');
      await once(server, 'listening');
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The client_credentials grant at the provider; with `dpop`, a DPoP proof binds the token. */
export async function clientCredentials(
  issuer: string,
  client: { clientId: string; clientSecret: string },
  options: { scope?: string; dpop?: string } = {},
): Promise<{ access_token: string; token_type: string; scope?: string }> {
  const basic = Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64');
  const res = await fetchOnce(`${issuer}/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${basic}`,
      'content-type': 'application/x-www-form-urlencoded',
      ...(options.dpop === undefined ? {} : { dpop: options.dpop }),
    },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      resource: RESOURCE,
      scope: options.scope ?? SCOPES,
    }),
  });
  const body = (await res.json()) as {
    access_token: string;
    token_type: string;
    error?: string;
    error_description?: string;
  };
  if (res.status !== 200)
    throw new Error(`token request failed: ${res.status} ${body.error} ${body.error_description}`);
  return body;
}

/** Revokes a token at the provider (RFC 7009). */
export async function revoke(issuer: string, token: string): Promise<void> {
  const { clientId, clientSecret } = CLIENTS.opaque;
  const res = await fetchOnce(`${issuer}/token/revocation`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ token, token_type_hint: 'access_token' }),
  });
  if (res.status !== 200) throw new Error(`revocation failed: ${res.status}`);
}

/**
 * `fetch`, tried a second time when a kept-alive connection to a provider that has just been
 * restarted turns out to be closed (the test client's pool, not tokenguard's).
 */
async function fetchOnce(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch {
    return fetch(url, init);
  }
}
