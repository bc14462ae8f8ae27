import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { decodeFormComponent, RequestError } from './http.js';

/**
 * The token formats a client's `client_credentials` grant issues.
 *
 * @example
 * ```ts
 * server.registerClient({ clientId: 'batch', tokenFormat: 'opaque' satisfies TokenFormat });
 * ```
 */
export type TokenFormat = 'jwt' | 'opaque';

/**
 * What `server.registerClient()` takes.
 *
 * @example
 * ```ts
 * server.registerClient({ clientId: 'a:b c', clientSecret: 's%3+', scopes: ['orders:read'] });
 * ```
 */
export interface ClientRegistration {
  /** The client identifier; any non-empty string, including characters that need encoding. */
  clientId: string;
  /** The client secret; default 32 random bytes, base64url. */
  clientSecret?: string;
  /** The scopes the client may be granted; default none. */
  scopes?: readonly string[];
  /** Whether its `client_credentials` grant issues JWTs (default) or opaque tokens. */
  tokenFormat?: TokenFormat;
  /** The `aud` of the tokens it is granted; default the server's audience. */
  audience?: string;
}

/**
 * A client the server knows.
 *
 * @example
 * ```ts
 * const { clientId, clientSecret } = server.defaultClient;
 * ```
 */
export interface RegisteredClient {
  clientId: string;
  clientSecret: string;
  scopes: readonly string[];
  tokenFormat: TokenFormat;
  audience?: string;
}

const CHALLENGE = { 'www-authenticate': 'Basic realm="tokenguard-testing", charset="UTF-8"' };

/** The clients the server knows, and RFC 6749 §2.3.1 client authentication. */
export class ClientRegistry {
  private readonly clients = new Map<string, RegisteredClient>();

  /** Registers (or replaces) a client. */
  register(registration: ClientRegistration): RegisteredClient {
    const caller = 'registerClient';
    if (typeof registration !== 'object' || registration === null) {
      throw new TypeError(`${caller}: the argument must be an object`);
    }
    const { clientId, clientSecret, scopes = [], tokenFormat = 'jwt', audience } = registration;
    if (typeof clientId !== 'string' || clientId === '') {
      throw new TypeError(`${caller}: "clientId" must be a non-empty string`);
    }
    if (clientSecret !== undefined && (typeof clientSecret !== 'string' || clientSecret === '')) {
      throw new TypeError(`${caller}: "clientSecret" must be a non-empty string`);
    }
    if (!Array.isArray(scopes) || !scopes.every((s) => typeof s === 'string' && /^\S+$/.test(s))) {
      throw new TypeError(`${caller}: "scopes" must be an array of scope tokens without spaces`);
    }
    if (tokenFormat !== 'jwt' && tokenFormat !== 'opaque') {
      throw new TypeError(`${caller}: "tokenFormat" must be 'jwt' or 'opaque'`);
    }
    if (audience !== undefined && (typeof audience !== 'string' || audience === '')) {
      throw new TypeError(`${caller}: "audience" must be a non-empty string`);
    }
    const client: RegisteredClient = {
      clientId,
      clientSecret: clientSecret ?? randomBytes(32).toString('base64url'),
      scopes: [...scopes],
      tokenFormat,
      ...(audience === undefined ? {} : { audience }),
    };
    this.clients.set(clientId, client);
    return { ...client };
  }

  /** Every scope some client may be granted, sorted. */
  scopes(): string[] {
    return [...new Set([...this.clients.values()].flatMap((client) => client.scopes))].sort();
  }

  /**
   * The client that authenticated this request with `client_secret_basic` (the id and secret
   * form-urlencoded, then base64) or `client_secret_post`. Anything else is a 401
   * `invalid_client` with a `Basic` challenge; using both methods at once is `invalid_request`.
   */
  authenticate(req: IncomingMessage, form: Map<string, string>): RegisteredClient {
    const header = req.headers.authorization;
    const basic = header === undefined ? undefined : parseBasic(header);
    const postSecret = form.get('client_secret');
    if (basic !== undefined && postSecret !== undefined) {
      throw new RequestError(400, 'invalid_request', 'use one client authentication method');
    }
    const postId = form.get('client_id');
    if (basic !== undefined && postId !== undefined && postId !== basic.id) {
      throw new RequestError(400, 'invalid_request', 'client_id does not match the Basic header');
    }
    const credentials =
      basic ??
      (postId !== undefined && postSecret !== undefined
        ? { id: postId, secret: postSecret }
        : undefined);
    if (credentials === undefined) {
      throw new RequestError(401, 'invalid_client', 'client authentication is required', CHALLENGE);
    }
    const client = this.clients.get(credentials.id);
    if (client === undefined || !sameSecret(client.clientSecret, credentials.secret)) {
      throw new RequestError(401, 'invalid_client', 'client authentication failed', CHALLENGE);
    }
    return client;
  }
}

function parseBasic(header: string): { id: string; secret: string } {
  const failed = () =>
    new RequestError(401, 'invalid_client', 'malformed client credentials', CHALLENGE);
  const match = /^Basic +([A-Za-z0-9+/]+=*) *$/i.exec(header);
  if (match?.[1] === undefined) throw failed();
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw failed();
  try {
    return {
      id: decodeFormComponent(decoded.slice(0, colon)),
      secret: decodeFormComponent(decoded.slice(colon + 1)),
    };
  } catch {
    throw failed();
  }
}

function sameSecret(expected: string, given: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(expected), digest(given));
}
