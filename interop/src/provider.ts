import { generateKeyPairSync } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type Adapter, type AdapterPayload } from 'oidc-provider';

/** The resource (RFC 8707) our API is, and the audience its tokens carry. */
export const RESOURCE = 'https://api.example.com';
/** Another API the provider issues tokens for: its tokens must not work at ours. */
export const OTHER_RESOURCE = 'https://other-api.example.com';
/** A resource whose tokens are for our API too, but live one second (to see one expire). */
export const SHORT_LIVED_RESOURCE = 'https://api.example.com/short-lived';
export const SCOPES = 'orders:read orders:write';

/** Clients registered at the provider. */
export const CLIENTS = {
  /** Gets RFC 9068 JWT access tokens. */
  jwt: { clientId: 'jwt-client', clientSecret: 'jwt-client-secret-that-is-long-enough' },
  /** Gets opaque access tokens. */
  opaque: { clientId: 'opaque-client', clientSecret: 'opaque-client-secret-that-is-long-enough' },
  /** The API itself, for introspection: the only client allowed to introspect. */
  api: { clientId: 'orders-api', clientSecret: 'orders-api-secret-that-is-long-enough' },
} as const;

export interface RunningProvider {
  issuer: string;
  port: number;
  /**
   * Restarts the provider on the same port with a fresh signing key, first in its JWKS (the one
   * it signs with); `keepPrevious` keeps the old key published after it.
   */
  rotateKeys(options?: { keepPrevious?: boolean }): Promise<void>;
  /** Stops listening (an outage); `start()` brings the same provider back on the same port. */
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

type SigningJwk = Record<string, unknown> & { kid: string };

let keyCounter = 0;
function signingKey(): SigningJwk {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    ...privateKey.export({ format: 'jwk' }),
    alg: 'ES256',
    use: 'sig',
    kid: `k-${process.pid}-${++keyCounter}`,
  };
}

/**
 * The provider's storage: kept outside the provider instance, so that tokens survive a restart
 * (as with a real database), and quieter than its development adapter, which warns on every start.
 */
function memoryStorage(): new (name: string) => Adapter {
  const rows = new Map<string, { payload: AdapterPayload; expiresAt: number | undefined }>();
  return class MemoryAdapter implements Adapter {
    readonly #name: string;
    constructor(name: string) {
      this.#name = name;
    }
    #key(id: string) {
      return `${this.#name}:${id}`;
    }
    async upsert(id: string, payload: AdapterPayload, expiresIn?: number) {
      const expiresAt = expiresIn === undefined ? undefined : Date.now() + expiresIn * 1000;
      rows.set(this.#key(id), { payload, expiresAt });
    }
    async find(id: string) {
      const row = rows.get(this.#key(id));
      if (row === undefined) return undefined;
      if (row.expiresAt !== undefined && row.expiresAt <= Date.now()) {
        rows.delete(this.#key(id));
        return undefined;
      }
      return row.payload;
    }
    async findByUserCode() {
      return undefined;
    }
    async findByUid() {
      return undefined;
    }
    async consume(id: string) {
      const row = rows.get(this.#key(id));
      if (row !== undefined) row.payload.consumed = Math.floor(Date.now() / 1000);
    }
    async destroy(id: string) {
      rows.delete(this.#key(id));
    }
    async revokeByGrantId(grantId: string) {
      for (const [key, row] of rows) if (row.payload.grantId === grantId) rows.delete(key);
    }
  };
}

function provider(
  issuer: string,
  keys: SigningJwk[],
  adapter: new (name: string) => Adapter,
): Provider {
  return new Provider(issuer, {
    adapter,
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
    // The resource server's TTL (one second for SHORT_LIVED_RESOURCE), else five minutes.
    ttl: {
      ClientCredentials: (_ctx, token) =>
        (token as { resourceServer?: { accessTokenTTL?: number } }).resourceServer
          ?.accessTokenTTL ?? 300,
    },
    scopes: ['openid', 'orders:read', 'orders:write'],
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      // Only the API may introspect; a client may revoke only its own tokens.
      introspection: {
        enabled: true,
        allowedPolicy: async (_ctx, client) => client.clientId === CLIENTS.api.clientId,
      },
      revocation: {
        enabled: true,
        allowedPolicy: async (_ctx, client, token) => client.clientId === token.clientId,
      },
      dPoP: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resource, client) => ({
          scope: SCOPES,
          audience: resource === OTHER_RESOURCE ? OTHER_RESOURCE : RESOURCE,
          accessTokenTTL: resource === SHORT_LIVED_RESOURCE ? 1 : 300,
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
  const adapter = memoryStorage();
  let keys = [signingKey()];
  let listening = true;
  const attach = (target: Server) => {
    const oidc = provider(issuer, keys, adapter);
    // Plain http on loopback: tell Koa the connection is what it is.
    oidc.proxy = false;
    target.on('request', oidc.callback());
  };
  attach(server);

  const stop = async () => {
    if (!listening) return;
    listening = false;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  const start = async () => {
    if (listening) return;
    server = createServer();
    attach(server);
    server.listen(port, '127.0.0.1');
    await once(server, 'listening');
    listening = true;
  };
  return {
    issuer,
    port,
    async rotateKeys({ keepPrevious = false } = {}) {
      await stop();
      keys = [signingKey(), ...(keepPrevious ? keys : [])];
      await start();
    },
    stop,
    start,
    close: stop,
  };
}

/** The client_credentials grant at the provider; with `dpop`, a DPoP proof binds the token. */
export async function clientCredentials(
  issuer: string,
  client: { clientId: string; clientSecret: string },
  options: { scope?: string; dpop?: string; resource?: string } = {},
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
      resource: options.resource ?? RESOURCE,
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

/** Revokes a token at the provider (RFC 7009), as the client it was issued to. */
export async function revoke(
  issuer: string,
  token: string,
  client: { clientId: string; clientSecret: string } = CLIENTS.opaque,
): Promise<void> {
  const { clientId, clientSecret } = client;
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
