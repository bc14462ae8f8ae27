import {
  createHash,
  createPublicKey,
  type KeyObject,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { type JWK, jwtVerify } from 'jose';
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
  /**
   * A public key (JWK) for `private_key_jwt` (RFC 7523): the client may then authenticate with
   * a `client_assertion` signed by the matching private key.
   */
  publicKey?: JWK;
  /**
   * Where the authorization endpoint may send the client back with a code (exact match); none:
   * the client cannot use the authorization code grant.
   */
  redirectUris?: readonly string[];
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
  publicKey?: JWK;
  redirectUris?: readonly string[];
}

const CHALLENGE = { 'www-authenticate': 'Basic realm="tokenguard-testing", charset="UTF-8"' };

/** The clients the server knows, and RFC 6749 §2.3.1 client authentication. */
export class ClientRegistry {
  private readonly clients = new Map<string, RegisteredClient>();
  private readonly assertionKeys = new Map<string, KeyObject>();
  private readonly seenAssertions = new Set<string>();

  /** Registers (or replaces) a client. */
  register(registration: ClientRegistration): RegisteredClient {
    const caller = 'registerClient';
    if (typeof registration !== 'object' || registration === null) {
      throw new TypeError(`${caller}: the argument must be an object`);
    }
    const {
      clientId,
      clientSecret,
      scopes = [],
      tokenFormat = 'jwt',
      audience,
      publicKey,
      redirectUris,
    } = registration;
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
    if (
      redirectUris !== undefined &&
      (!Array.isArray(redirectUris) ||
        !redirectUris.every((uri) => typeof uri === 'string' && URL.canParse(uri)))
    ) {
      throw new TypeError(`${caller}: "redirectUris" must be an array of absolute URLs`);
    }
    if (publicKey !== undefined) {
      try {
        this.assertionKeys.set(
          clientId,
          createPublicKey({ key: publicKey as never, format: 'jwk' }),
        );
      } catch {
        throw new TypeError(`${caller}: "publicKey" must be a public JWK`);
      }
    } else {
      this.assertionKeys.delete(clientId);
    }
    const client: RegisteredClient = {
      clientId,
      clientSecret: clientSecret ?? randomBytes(32).toString('base64url'),
      scopes: [...scopes],
      tokenFormat,
      ...(audience === undefined ? {} : { audience }),
      ...(publicKey === undefined ? {} : { publicKey }),
      ...(redirectUris === undefined ? {} : { redirectUris: [...redirectUris] }),
    };
    this.clients.set(clientId, client);
    return { ...client };
  }

  /** The client with this id, if registered. */
  get(clientId: string): RegisteredClient | undefined {
    return this.clients.get(clientId);
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
  async authenticate(
    req: IncomingMessage,
    form: Map<string, string>,
    audiences: readonly string[],
  ): Promise<RegisteredClient> {
    const assertion = form.get('client_assertion');
    if (assertion !== undefined || form.has('client_assertion_type')) {
      return this.authenticateAssertion(req, form, assertion, audiences);
    }
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

  /**
   * RFC 7523 `private_key_jwt`: a JWT signed by the client's registered key, `iss` and `sub` the
   * client id, `aud` the issuer or the endpoint, a `jti` never seen before, not expired.
   */
  private async authenticateAssertion(
    req: IncomingMessage,
    form: Map<string, string>,
    assertion: string | undefined,
    audiences: readonly string[],
  ): Promise<RegisteredClient> {
    const failed = () =>
      new RequestError(401, 'invalid_client', 'client authentication failed', CHALLENGE);
    if (req.headers.authorization !== undefined || form.has('client_secret')) {
      throw new RequestError(400, 'invalid_request', 'use one client authentication method');
    }
    if (
      assertion === undefined ||
      form.get('client_assertion_type') !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'
    ) {
      throw failed();
    }
    let claimed: string | undefined;
    try {
      const payload = JSON.parse(
        Buffer.from(assertion.split('.')[1] ?? '', 'base64url').toString(),
      );
      claimed = typeof payload.sub === 'string' ? payload.sub : undefined;
    } catch {
      throw failed();
    }
    const formId = form.get('client_id');
    if (claimed === undefined || (formId !== undefined && formId !== claimed)) throw failed();
    const client = this.clients.get(claimed);
    const key = this.assertionKeys.get(claimed);
    if (client === undefined || key === undefined) throw failed();
    try {
      const { payload } = await jwtVerify(assertion, key, {
        issuer: claimed,
        subject: claimed,
        audience: [...audiences],
        requiredClaims: ['exp', 'jti'],
      });
      const jti = `${claimed}:${payload.jti}`;
      if (this.seenAssertions.has(jti)) throw new Error('replayed assertion');
      this.seenAssertions.add(jti);
    } catch {
      throw failed();
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
