import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JWK } from 'jose';
import { AuthorizationCodes, resourceParameter } from './authorization-code.js';
import { type ClientRegistration, ClientRegistry, type RegisteredClient } from './clients.js';
import { checkTokenRequestProof } from './dpop.js';
import {
  FAULT_ENDPOINTS,
  type Fault,
  FaultController,
  type FaultEndpoint,
  type FaultSwitches,
  faultyResponse,
  type RequestCounts,
} from './faults.js';
import {
  errorReply,
  MAX_BODY_BYTES,
  parseForm,
  type Reply,
  RequestError,
  readBody,
  sendRaw,
  sendReply,
} from './http.js';
import { TokenRegistry } from './introspection.js';
import {
  type AddKeyOptions,
  KeyStore,
  type PublishedKey,
  SIGNING_ALGORITHMS,
  type SigningAlgorithm,
} from './keys.js';
import {
  accessTokenClaims,
  type Claims,
  DEFAULT_CLIENT_ID,
  DEFAULT_SCOPE,
  isPlainObject,
  type MintAccessTokenOptions,
  type MintContext,
  mintJwt,
  opaqueTokenValue,
  type TokenTiming,
} from './mint.js';
import { type SignJwtInput, signJwt } from './sign-jwt.js';

/**
 * Options of {@link createAuthorizationServer}. Every one is optional.
 *
 * @example
 * ```ts
 * await createAuthorizationServer({ issuerPath: '/tenant-a', algorithm: 'RS256' });
 * ```
 */
export interface AuthorizationServerOptions {
  /** Port to listen on; default 0 (an ephemeral port). */
  port?: number;
  /** Address to listen on; default `127.0.0.1`. */
  host?: string;
  /**
   * The `iss` of every token and the metadata's `issuer`, exactly as given; default the server's
   * URL (plus `issuerPath`). A path component (`http://127.0.0.1:4000/tenant-a`) moves every
   * endpoint under that path and the metadata to the RFC 8414 path-insert location.
   */
  issuer?: string;
  /**
   * A path for the default issuer (`/tenant-a` gives `http://127.0.0.1:<port>/tenant-a`), for when
   * the port is not known in advance. Cannot be combined with `issuer`. A trailing slash stays in
   * the issuer (`/` gives `http://127.0.0.1:<port>/`, as Auth0 writes its issuers; `/<tenant>/`
   * as Entra ID v1.0 does); endpoints and metadata go under the path without it.
   */
  issuerPath?: string;
  /**
   * Where the JWKS is served, an absolute path, to serve it where a provider does
   * (`/oauth2/default/v1/keys`, `/<tenant>/discovery/v2.0/keys`). Default `<issuer path>/jwks`.
   * The metadata's `jwks_uri` points to it.
   */
  jwksPath?: string;
  /**
   * Where introspection is answered, an absolute path (`/oauth2/default/v1/introspect`).
   * Default `<issuer path>/introspect`. The metadata's `introspection_endpoint` points to it.
   */
  introspectionPath?: string;
  /**
   * The algorithms the server keeps a signing key for; default all four. Fewer start faster (an
   * RSA key takes a while to generate) and publish a JWKS shaped like a provider's that signs
   * with RS256 only. `algorithm` must be one of them.
   */
  algorithms?: readonly SigningAlgorithm[];
  /**
   * The `use` of the keys the server publishes: `sig` (default), or `jwt-svid` to serve a SPIFFE
   * trust bundle (a JWK set with `spiffe_sequence` and `spiffe_refresh_hint`) as a SPIFFE
   * bundle endpoint does. Mint JWT-SVIDs with `mintAccessToken({ sub: 'spiffe://…', … })`.
   */
  keyUse?: 'sig' | 'jwt-svid';
  /** The algorithm tokens are signed with unless a call says otherwise; default `ES256`. */
  algorithm?: SigningAlgorithm;
  /** The `aud` of every token unless a claim or client overrides it; default `https://api.example.com`. */
  audience?: string;
  /** Lifetime of access tokens in seconds; default 300. */
  accessTokenTtl?: number;
  /**
   * The largest request body the token and introspection endpoints read, in bytes; a bigger one
   * is answered with 413, as a real server's body limit would. Default 65536.
   */
  maxRequestBodySize?: number;
}

/**
 * Options of `server.rotateKeys()`.
 *
 * @example
 * ```ts
 * await server.rotateKeys({ keepPrevious: true, algorithms: ['ES256'] });
 * ```
 */
export interface RotateKeysOptions {
  /** Keep the previous signing keys in the JWKS (they no longer sign); default false. */
  keepPrevious?: boolean;
  /** Which algorithms get a new key; default all four. */
  algorithms?: readonly SigningAlgorithm[];
}

/**
 * The kid of the current signing key per algorithm (absent after `removeKey` of that key).
 *
 * @example
 * ```ts
 * await server.mintAccessToken({}, { key: 'unpublished', kid: server.kids.ES256 });
 * ```
 */
export type SigningKids = Readonly<Partial<Record<SigningAlgorithm, string>>>;

/**
 * A running local authorization server. Create one with {@link createAuthorizationServer}.
 *
 * @example
 * ```ts
 * const guard = createTokenGuard({ issuer: server.issuer, audience: server.audience });
 * ```
 */
export interface AuthorizationServer {
  /** The issuer identifier (`iss`), exactly as tokens carry it. */
  readonly issuer: string;
  /** The base URL the server listens on, e.g. `http://127.0.0.1:54321` (no path, no slash). */
  readonly url: string;
  /** The JWKS endpoint. */
  readonly jwksUri: string;
  /** The token endpoint (`client_credentials`, `authorization_code`). */
  readonly tokenEndpoint: string;
  /**
   * The authorization endpoint (RFC 6749 §4.1, PKCE `S256` required): it approves at once, as
   * the test user `user-123`, for a registered client and one of its `redirectUris`.
   */
  readonly authorizationEndpoint: string;
  /** The RFC 7662 introspection endpoint. */
  readonly introspectionEndpoint: string;
  /** Where the RFC 8414 metadata is served (path-insert for an issuer with a path). */
  readonly metadataUri: string;
  /** Where the OpenID Connect discovery document is served. */
  readonly discoveryUri: string;
  /** The default `aud` of tokens. */
  readonly audience: string;
  /** The default signing algorithm. */
  readonly algorithm: SigningAlgorithm;
  /** The client registered at start: `test-client`, a random secret, `orders:read orders:write`. */
  readonly defaultClient: RegisteredClient;
  /** The kids of the current signing keys. */
  readonly kids: SigningKids;
  /** Fault switches, per endpoint. */
  readonly faults: FaultSwitches;
  /** A snapshot of how many requests each endpoint received since start or `resetCounts()`. */
  readonly counts: Readonly<RequestCounts>;
  /**
   * The most requests each endpoint was handling at the same time, since start or
   * `resetCounts()`: what a flood through a resource server does to this server.
   */
  readonly peakConcurrency: Readonly<RequestCounts>;

  /**
   * Sets every request counter (and `peakConcurrency`) back to 0.
   *
   * @example
   * ```ts
   * server.resetCounts();
   * expect(server.counts.jwks).toBe(0);
   * ```
   */
  resetCounts(): void;

  /**
   * The JWK Set the server currently publishes, without HTTP.
   *
   * @example
   * ```ts
   * const keys = createLocalJWKSet(server.jwks());
   * ```
   */
  jwks(): { keys: JWK[] };

  /**
   * Mints an RFC 9068 JWT access token. Defaults: header `{ alg, typ: 'at+jwt', kid }`; claims
   * `iss`, `sub: 'user-123'`, `aud`, `exp` (now + `accessTokenTtl`), `iat`, `jti`,
   * `client_id: 'test-client'`, `scope: 'orders:read'`. `claims` override or extend them; a claim
   * set to `undefined` is removed. `opts` bends the header, timing and key to build tokens a
   * resource server must reject. It never checks that the result is a sensible token.
   *
   * @example
   * ```ts
   * const token = await server.mintAccessToken({ scope: 'orders:write', exp: undefined });
   * const expired = await server.mintAccessToken({}, { expiresIn: -60 });
   * const forged = await server.mintAccessToken({}, { key: 'unpublished', kid: server.kids.ES256 });
   * const unsigned = await server.mintAccessToken({}, { alg: 'none' });
   * ```
   * @see RFC 9068 §2 (JWT access token profile)
   */
  mintAccessToken(claims?: Claims, opts?: MintAccessTokenOptions): Promise<string>;

  /**
   * Mints an opaque access token (32 random bytes, base64url, not JWS-shaped) and remembers its
   * claims for introspection: the same defaults as `mintAccessToken` plus
   * `token_type: 'Bearer'` (`'DPoP'` when `cnf.jkt` is given).
   *
   * @example
   * ```ts
   * const token = await server.mintOpaqueToken({ sub: 'alice', username: 'alice' });
   * ```
   * @see RFC 7662 §2.2
   */
  mintOpaqueToken(claims?: Claims, opts?: TokenTiming): Promise<string>;

  /**
   * {@link signJwt} with the server's keys: without `key` or `secret`, the published key named by
   * the header's `kid`, else the current signing key for the algorithm, signs. Nothing is added to
   * the header or payload.
   *
   * @example
   * ```ts
   * const token = await server.signJwt({
   *   header: { alg: 'ES256', kid: server.kids.ES256, crit: ['exp'] },
   *   payload: { iss: server.issuer, sub: 'user-123' },
   * });
   * ```
   */
  signJwt(input: SignJwtInput): Promise<string>;

  /**
   * Generates new signing keys (fresh kids) and signs with them from now on. The previous keys
   * leave the JWKS unless `keepPrevious`.
   *
   * @example
   * ```ts
   * const before = server.kids.ES256;
   * const after = await server.rotateKeys({ keepPrevious: true });
   * // after.ES256 !== before; both are in the JWKS
   * ```
   */
  rotateKeys(opts?: RotateKeysOptions): Promise<SigningKids>;

  /**
   * Publishes an extra key; `mintAccessToken({}, { kid })` signs with it. For weak or odd keys:
   * `{ alg: 'RS256', modulusLength: 1024 }`, `{ alg: 'RS256', publicExponent: 3 }`,
   * `{ alg: 'ES256', jwk: { use: 'enc' } }`.
   *
   * @example
   * ```ts
   * const { kid } = await server.addKey({ alg: 'RS256', modulusLength: 1024 });
   * const weak = await server.mintAccessToken({}, { kid });
   * ```
   */
  addKey(opts: AddKeyOptions): Promise<PublishedKey>;

  /**
   * Removes every published key with this kid; returns whether one was there. Removing a
   * current signing key makes minting with its algorithm throw until `rotateKeys()`.
   *
   * @example
   * ```ts
   * server.removeKey(server.kids.ES256!);
   * ```
   */
  removeKey(kid: string): boolean;

  /**
   * Revokes a token: introspection answers `{ active: false }` for it from now on. A revoked JWT
   * still verifies locally, as it would with any authorization server.
   *
   * @example
   * ```ts
   * server.revoke(token);
   * ```
   */
  revoke(token: string): void;

  /**
   * Registers (or replaces) a client for the token and introspection endpoints.
   *
   * @example
   * ```ts
   * const api = server.registerClient({ clientId: 'api', clientSecret: 's3cret', scopes: ['a'] });
   * ```
   */
  registerClient(registration: ClientRegistration): RegisteredClient;

  /**
   * Stops the server. Open connections, hung requests included, are destroyed.
   *
   * @example
   * ```ts
   * afterAll(() => server.close());
   * ```
   */
  close(): Promise<void>;
}

const DEFAULT_AUDIENCE = 'https://api.example.com';
// An absolute URL path: segments of unreserved, sub-delims, ':' and '@' (RFC 3986 §3.3).
const ENDPOINT_PATH = /^(\/[A-Za-z0-9._~%!$&'()*+,;=:@-]+)+$/;
const DEFAULT_CLIENT_SCOPES = [DEFAULT_SCOPE, 'orders:write'];

interface Route {
  endpoint: FaultEndpoint;
  methods: readonly string[];
  handle: (req: IncomingMessage) => Promise<Reply>;
}

/**
 * Starts a real OAuth 2.0 authorization server on loopback, for tests and local development: RFC
 * 8414 and OpenID Connect discovery, a JWKS with one key per algorithm (RS256, PS256, ES256,
 * EdDSA), RFC 7662 introspection, and a `client_credentials` token endpoint, plus helpers to mint
 * valid and deliberately broken tokens and switches to make endpoints fail. It is a test tool:
 * no authorization endpoint, no refresh tokens, everything in memory.
 *
 * @example
 * ```ts
 * const server = await createAuthorizationServer();
 * const token = await server.mintAccessToken({ scope: 'orders:read' });
 * const jwks = await fetch(server.jwksUri).then((r) => r.json());
 * await server.close();
 * ```
 * @see RFC 8414, RFC 7662, RFC 9068, RFC 6749 §4.4
 */
export async function createAuthorizationServer(
  options: AuthorizationServerOptions = {},
): Promise<AuthorizationServer> {
  const settings = checkOptions(options);
  const keys = await KeyStore.create(settings.algorithms, settings.keyUse);
  const server = new LocalAuthorizationServer(settings, keys);
  await server.listen(settings.port, settings.host);
  return server;
}

interface Settings {
  port: number;
  host: string;
  issuer: string | undefined;
  /** The issuer's path, a trailing slash included. */
  issuerPath: string;
  /** The path endpoints go under: `issuerPath` without a trailing slash. */
  routePath: string;
  jwksPath: string | undefined;
  introspectionPath: string | undefined;
  algorithms: readonly SigningAlgorithm[];
  keyUse: 'sig' | 'jwt-svid';
  algorithm: SigningAlgorithm;
  audience: string;
  accessTokenTtl: number;
  maxRequestBodySize: number;
}

function checkOptions(options: AuthorizationServerOptions): Settings {
  const bad = (message: string) => new TypeError(`createAuthorizationServer: ${message}`);
  if (!isPlainObject(options)) throw bad('"options" must be an object');
  const {
    port = 0,
    host = '127.0.0.1',
    issuer,
    issuerPath,
    jwksPath,
    introspectionPath,
    algorithms = SIGNING_ALGORITHMS,
    keyUse = 'sig',
    algorithm: requestedAlgorithm,
    audience = DEFAULT_AUDIENCE,
    accessTokenTtl = 300,
    maxRequestBodySize = MAX_BODY_BYTES,
  } = options;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw bad('"port" must be an integer from 0 to 65535');
  }
  if (typeof host !== 'string' || host === '') throw bad('"host" must be a non-empty string');
  if (
    !Array.isArray(algorithms) ||
    algorithms.length === 0 ||
    !algorithms.every((alg) => (SIGNING_ALGORITHMS as readonly unknown[]).includes(alg))
  ) {
    throw bad(`"algorithms" must be a non-empty array of ${SIGNING_ALGORITHMS.join(', ')}`);
  }
  const algorithm =
    requestedAlgorithm ??
    (algorithms.includes('ES256') ? 'ES256' : (algorithms[0] as SigningAlgorithm));
  if (!(algorithms as readonly unknown[]).includes(algorithm)) {
    throw bad(`"algorithm" must be one of ${algorithms.join(', ')}`);
  }
  if (keyUse !== 'sig' && keyUse !== 'jwt-svid') throw bad('"keyUse" must be "sig" or "jwt-svid"');
  for (const [name, value] of [
    ['jwksPath', jwksPath],
    ['introspectionPath', introspectionPath],
  ] as const) {
    if (value !== undefined && (typeof value !== 'string' || !ENDPOINT_PATH.test(value))) {
      throw bad(`"${name}" must be an absolute URL path such as "/oauth2/default/v1/keys"`);
    }
  }
  if (typeof audience !== 'string' || audience === '') {
    throw bad('"audience" must be a non-empty string');
  }
  if (
    typeof accessTokenTtl !== 'number' ||
    !Number.isFinite(accessTokenTtl) ||
    accessTokenTtl <= 0
  ) {
    throw bad('"accessTokenTtl" must be a positive number of seconds');
  }
  if (!Number.isInteger(maxRequestBodySize) || maxRequestBodySize < 1) {
    throw bad('"maxRequestBodySize" must be a positive whole number of bytes');
  }
  if (issuer !== undefined && issuerPath !== undefined) {
    throw bad('give "issuer" or "issuerPath", not both');
  }
  let path = '';
  if (issuer !== undefined) {
    let parsed: URL;
    try {
      parsed = new URL(issuer);
    } catch {
      throw bad('"issuer" must be an absolute http(s) URL');
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw bad('"issuer" must be an absolute http(s) URL');
    }
    if (
      parsed.search !== '' ||
      parsed.hash !== '' ||
      issuer.includes('?') ||
      issuer.includes('#')
    ) {
      throw bad('"issuer" must not have a query or fragment (RFC 8414 §2)');
    }
    path = parsed.pathname.replace(/\/+$/, '');
  } else if (issuerPath !== undefined) {
    if (
      typeof issuerPath !== 'string' ||
      (issuerPath !== '/' && !/^(\/[A-Za-z0-9._~%!$&'()*+,;=:@-]+)+\/?$/.test(issuerPath))
    ) {
      throw bad('"issuerPath" must be a URL path such as "/tenant-a"');
    }
    path = issuerPath;
  }
  return {
    port,
    host,
    issuer,
    issuerPath: path,
    routePath: path.replace(/\/+$/, ''),
    jwksPath,
    introspectionPath,
    algorithms: [...new Set(algorithms)],
    keyUse,
    algorithm: algorithm as SigningAlgorithm,
    audience,
    accessTokenTtl,
    maxRequestBodySize,
  };
}

class LocalAuthorizationServer implements AuthorizationServer {
  readonly audience: string;
  readonly algorithm: SigningAlgorithm;
  readonly defaultClient: RegisteredClient;
  issuer = '';
  url = '';

  private readonly http: Server;
  private readonly clients = new ClientRegistry();
  private readonly tokens = new TokenRegistry();
  private readonly codes = new AuthorizationCodes();
  private readonly faultController = new FaultController();
  private readonly routes = new Map<string, Route>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private requestCounts: RequestCounts = zeroCounts();
  private readonly inFlight: RequestCounts = zeroCounts();
  private peaks: RequestCounts = zeroCounts();
  private closing: Promise<void> | undefined;

  constructor(
    private readonly settings: Settings,
    private readonly keys: KeyStore,
  ) {
    this.audience = settings.audience;
    this.algorithm = settings.algorithm;
    this.defaultClient = this.clients.register({
      clientId: DEFAULT_CLIENT_ID,
      scopes: DEFAULT_CLIENT_SCOPES,
    });
    this.http = createServer((req, res) => {
      this.handle(req, res).catch(() => {
        sendReply(res, { status: 500, body: { error: 'server_error' } });
      });
    });
  }

  get jwksUri(): string {
    return `${this.url}${this.settings.jwksPath ?? `${this.settings.routePath}/jwks`}`;
  }
  get tokenEndpoint(): string {
    return `${this.base}/token`;
  }
  get authorizationEndpoint(): string {
    return `${this.base}/authorize`;
  }
  get introspectionEndpoint(): string {
    return `${this.url}${this.settings.introspectionPath ?? `${this.settings.routePath}/introspect`}`;
  }
  get metadataUri(): string {
    return `${this.url}/.well-known/oauth-authorization-server${this.settings.routePath}`;
  }
  get discoveryUri(): string {
    return `${this.base}/.well-known/openid-configuration`;
  }
  get kids(): SigningKids {
    return this.keys.currentKids();
  }
  get faults(): FaultSwitches {
    return this.faultController;
  }
  get counts(): Readonly<RequestCounts> {
    return Object.freeze({ ...this.requestCounts });
  }
  get peakConcurrency(): Readonly<RequestCounts> {
    return Object.freeze({ ...this.peaks });
  }

  private get base(): string {
    return `${this.url}${this.settings.routePath}`;
  }

  private get mintContext(): MintContext {
    return {
      issuer: this.issuer,
      audience: this.audience,
      accessTokenTtl: this.settings.accessTokenTtl,
      algorithm: this.algorithm,
      keys: this.keys,
    };
  }

  /** Starts listening and fixes the URLs, which depend on the port. */
  async listen(port: number, host: string): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(port, host, () => {
        this.http.off('error', reject);
        resolve();
      });
    });
    const address = this.http.address() as AddressInfo;
    this.url = `http://${urlHost(address.address)}:${address.port}`;
    this.issuer = this.settings.issuer ?? `${this.url}${this.settings.issuerPath}`;
    const path = this.settings.routePath;
    const metadata: Route = {
      endpoint: 'metadata',
      methods: ['GET', 'HEAD'],
      handle: async () => this.metadata(),
    };
    this.routes.set(`/.well-known/oauth-authorization-server${path}`, metadata);
    this.routes.set(`${path}/.well-known/openid-configuration`, metadata);
    this.routes.set(this.settings.jwksPath ?? `${path}/jwks`, {
      endpoint: 'jwks',
      methods: ['GET', 'HEAD'],
      handle: async () => ({ status: 200, body: this.keys.jwks() }),
    });
    this.routes.set(`${path}/token`, {
      endpoint: 'token',
      methods: ['POST'],
      handle: (req) => this.tokenGrant(req),
    });
    // The authorization endpoint shares the token endpoint's counter and faults: one grant.
    this.routes.set(`${path}/authorize`, {
      endpoint: 'token',
      methods: ['GET'],
      handle: async (req) =>
        this.codes.authorize(
          new URL(req.url ?? '/', this.url).searchParams,
          (id) => this.clients.get(id),
          { issuer: this.issuer, subject: 'user-123' },
        ),
    });
    this.routes.set(this.settings.introspectionPath ?? `${path}/introspect`, {
      endpoint: 'introspection',
      methods: ['POST'],
      handle: (req) => this.introspection(req),
    });
  }

  resetCounts(): void {
    this.requestCounts = zeroCounts();
    this.peaks = { ...this.inFlight };
  }

  jwks(): { keys: JWK[] } {
    return this.keys.jwks();
  }

  mintAccessToken(claims?: Claims, opts?: MintAccessTokenOptions): Promise<string> {
    return mintJwt(this.mintContext, claims, opts);
  }

  async mintOpaqueToken(claims?: Claims, opts?: TokenTiming): Promise<string> {
    if (opts !== undefined && !isPlainObject(opts)) {
      throw new TypeError('mintOpaqueToken: "opts" must be an object');
    }
    const all = accessTokenClaims(this.mintContext, claims, opts, 'mintOpaqueToken');
    const confirmation = all.cnf as { jkt?: unknown } | undefined;
    const tokenType = typeof confirmation?.jkt === 'string' ? 'DPoP' : 'Bearer';
    // An explicit token_type, even undefined (= leave it out), wins over the default.
    const stored =
      claims !== undefined && 'token_type' in claims ? all : { ...all, token_type: tokenType };
    const token = opaqueTokenValue();
    this.tokens.storeOpaque(token, stored);
    return token;
  }

  signJwt(input: SignJwtInput): Promise<string> {
    if (isPlainObject(input) && input.key === undefined && input.secret === undefined) {
      const header = input.header ?? parseObject(input.headerJson);
      const kid = header?.kid;
      const alg = input.alg ?? header?.alg;
      const stored =
        (typeof kid === 'string' ? this.keys.find(kid) : undefined) ??
        (isSigningAlgorithm(alg) ? this.keys.signingKey(alg) : undefined);
      if (stored !== undefined) return signJwt({ ...input, key: stored.privateKey });
    }
    return signJwt(input);
  }

  async rotateKeys(opts: RotateKeysOptions = {}): Promise<SigningKids> {
    if (!isPlainObject(opts)) throw new TypeError('rotateKeys: "opts" must be an object');
    const { keepPrevious = false, algorithms = SIGNING_ALGORITHMS } = opts;
    if (!Array.isArray(algorithms) || !algorithms.every(isSigningAlgorithm)) {
      throw new TypeError(
        `rotateKeys: "opts.algorithms" must be an array of ${SIGNING_ALGORITHMS.join(', ')}`,
      );
    }
    await this.keys.rotate(algorithms, keepPrevious === true);
    return this.kids;
  }

  async addKey(opts: AddKeyOptions): Promise<PublishedKey> {
    const bad = (message: string) => new TypeError(`addKey: ${message}`);
    if (!isPlainObject(opts)) throw bad('the argument must be an object');
    if (!isSigningAlgorithm(opts.alg)) {
      throw bad(`"alg" must be one of ${SIGNING_ALGORITHMS.join(', ')}`);
    }
    const rsa = opts.alg === 'RS256' || opts.alg === 'PS256';
    const { modulusLength, publicExponent, publicExponentLength, namedCurve, jwk } = opts;
    if (
      modulusLength !== undefined &&
      (!rsa || !Number.isInteger(modulusLength) || modulusLength < 512 || modulusLength > 16384)
    ) {
      throw bad('"modulusLength" must be an integer from 512 to 16384, for an RSA algorithm');
    }
    if (
      publicExponentLength !== undefined &&
      (!rsa ||
        publicExponent !== undefined ||
        (modulusLength ?? 2048) < 2048 ||
        !Number.isInteger(publicExponentLength) ||
        publicExponentLength < 2 ||
        publicExponentLength >= (modulusLength ?? 2048))
    ) {
      throw bad(
        '"publicExponentLength" must be an integer below "modulusLength" (at least 2048), for an RSA algorithm without "publicExponent"',
      );
    }
    if (
      publicExponent !== undefined &&
      (!rsa || !Number.isInteger(publicExponent) || publicExponent < 3 || publicExponent % 2 === 0)
    ) {
      throw bad('"publicExponent" must be an odd integer of at least 3, for an RSA algorithm');
    }
    if (
      namedCurve !== undefined &&
      (opts.alg !== 'ES256' || !['P-256', 'P-384', 'P-521'].includes(namedCurve))
    ) {
      throw bad('"namedCurve" must be P-256, P-384 or P-521, for ES256');
    }
    if (jwk !== undefined && !isPlainObject(jwk)) throw bad('"jwk" must be an object');
    const key = await this.keys.add(opts);
    return { kid: key.kid, alg: key.alg, publicJwk: { ...key.publicJwk } };
  }

  removeKey(kid: string): boolean {
    if (typeof kid !== 'string') throw new TypeError('removeKey: "kid" must be a string');
    return this.keys.remove(kid);
  }

  revoke(token: string): void {
    if (typeof token !== 'string') throw new TypeError('revoke: "token" must be a string');
    this.tokens.revoke(token);
  }

  registerClient(registration: ClientRegistration): RegisteredClient {
    return this.clients.register(registration);
  }

  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      this.faultController.dropHeld();
      for (const timer of this.timers) clearTimeout(timer);
      this.timers.clear();
      this.http.close(() => resolve());
      this.http.closeAllConnections();
    });
    return this.closing;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const route = this.routes.get(path);
    if (route === undefined) {
      req.resume();
      sendReply(res, { status: 404, body: { error: 'not_found' } });
      return;
    }
    this.requestCounts[route.endpoint]++;
    this.track(route.endpoint, res);
    const fault = this.faultController.take(route.endpoint);
    if (fault !== undefined && 'hang' in fault) {
      const forget = this.faultController.hold(route.endpoint, () => {
        this.answer(route, req, res, undefined).catch(() => {});
      });
      res.on('close', forget);
      return;
    }
    await this.answer(route, req, res, fault);
  }

  /** Counts a request as in flight until its response is finished or its connection closed. */
  private track(endpoint: FaultEndpoint, res: ServerResponse): void {
    const now = ++this.inFlight[endpoint];
    if (now > this.peaks[endpoint]) this.peaks[endpoint] = now;
    res.once('close', () => {
      this.inFlight[endpoint]--;
    });
  }

  private async answer(
    route: Route,
    req: IncomingMessage,
    res: ServerResponse,
    fault: Fault | undefined,
  ): Promise<void> {
    if (fault !== undefined && ('status' in fault || 'body' in fault)) {
      req.resume();
      const { status, contentType, text, headers } = faultyResponse(fault, {
        status: 200,
        body: {},
      });
      sendRaw(res, status, contentType, text, headers);
      return;
    }
    const reply = await this.reply(route, req);
    if (fault !== undefined && 'delayMs' in fault) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          resolve();
        }, fault.delayMs);
        this.timers.add(timer);
      });
    }
    if (fault !== undefined && 'oversized' in fault) {
      const { status, contentType, text } = faultyResponse(fault, reply);
      sendRaw(res, status, contentType, text, reply.headers);
      return;
    }
    sendReply(res, reply);
  }

  private async reply(route: Route, req: IncomingMessage): Promise<Reply> {
    if (!route.methods.includes(req.method ?? '')) {
      req.resume();
      return {
        status: 405,
        headers: { allow: route.methods.join(', ') },
        body: { error: 'invalid_request', error_description: 'method not allowed' },
      };
    }
    try {
      return await route.handle(req);
    } catch (error) {
      if (error instanceof RequestError) return errorReply(error);
      throw error;
    }
  }

  private metadata(): Reply {
    const methods = ['client_secret_basic', 'client_secret_post', 'private_key_jwt'];
    return {
      status: 200,
      body: {
        issuer: this.issuer,
        jwks_uri: this.jwksUri,
        token_endpoint: this.tokenEndpoint,
        authorization_endpoint: this.authorizationEndpoint,
        introspection_endpoint: this.introspectionEndpoint,
        grant_types_supported: ['client_credentials', 'authorization_code'],
        response_types_supported: ['code'],
        code_challenge_methods_supported: ['S256'],
        authorization_response_iss_parameter_supported: true,
        token_endpoint_auth_methods_supported: methods,
        introspection_endpoint_auth_methods_supported: methods,
        scopes_supported: this.clients.scopes(),
      },
    };
  }

  private async tokenGrant(req: IncomingMessage): Promise<Reply> {
    const form = parseForm(req, await readBody(req, this.settings.maxRequestBodySize));
    const client = await this.clients.authenticate(req, form, [this.issuer, this.tokenEndpoint]);
    const grantType = form.get('grant_type');
    if (grantType === undefined || grantType === '') {
      throw new RequestError(400, 'invalid_request', 'grant_type is required');
    }
    let claims: Claims;
    let scope: string | undefined;
    if (grantType === 'authorization_code') {
      const grant = this.codes.redeem(form, client);
      scope = grant.scope;
      claims = {
        sub: grant.subject,
        client_id: client.clientId,
        aud: grant.resource ?? client.audience ?? this.audience,
        scope,
      };
    } else if (grantType === 'client_credentials') {
      const requested = [...new Set((form.get('scope') ?? '').split(' ').filter(Boolean))];
      if (requested.some((s) => !client.scopes.includes(s))) {
        throw new RequestError(
          400,
          'invalid_scope',
          'the requested scope is not allowed for this client',
        );
      }
      const granted = requested.length > 0 ? requested : [...client.scopes];
      scope = granted.length > 0 ? granted.join(' ') : undefined;
      claims = {
        sub: client.clientId,
        client_id: client.clientId,
        // RFC 8707: the token is for the resource the client names, if it names one.
        aud: resourceParameter(form.get('resource')) ?? client.audience ?? this.audience,
        scope,
      };
    } else {
      throw new RequestError(
        400,
        'unsupported_grant_type',
        'only client_credentials and authorization_code are supported',
      );
    }
    // RFC 9449 §5: a DPoP proof on the token request binds the token to its key.
    const proof = req.headers.dpop;
    if (proof !== undefined) {
      const jkt =
        typeof proof === 'string'
          ? await checkTokenRequestProof(proof, this.tokenEndpoint)
          : undefined;
      if (jkt === undefined) {
        throw new RequestError(400, 'invalid_dpop_proof', 'the DPoP proof is invalid');
      }
      claims.cnf = { jkt };
    }
    const accessToken =
      client.tokenFormat === 'opaque'
        ? await this.mintOpaqueToken(claims)
        : await this.mintAccessToken(claims);
    return {
      status: 200,
      headers: { 'cache-control': 'no-store', pragma: 'no-cache' },
      body: {
        access_token: accessToken,
        token_type: proof === undefined ? 'Bearer' : 'DPoP',
        expires_in: Math.round(this.settings.accessTokenTtl),
        ...(scope === undefined ? {} : { scope }),
      },
    };
  }

  private async introspection(req: IncomingMessage): Promise<Reply> {
    const form = parseForm(req, await readBody(req, this.settings.maxRequestBodySize));
    const client = await this.clients.authenticate(req, form, [
      this.issuer,
      this.introspectionEndpoint,
    ]);
    const token = form.get('token');
    if (token === undefined) throw new RequestError(400, 'invalid_request', 'token is required');
    const answer = await this.tokens.introspect(token, this.issuer, this.keys);
    // RFC 9701: a signed answer when the client asks for one.
    if ((req.headers.accept ?? '').includes('application/token-introspection+jwt')) {
      const now = Math.floor(Date.now() / 1000);
      const key = this.keys.signingKey(this.algorithm);
      const jwt = await signJwt({
        header: { alg: this.algorithm, kid: key?.kid, typ: 'token-introspection+jwt' },
        payload: { iss: this.issuer, aud: client.clientId, iat: now, token_introspection: answer },
        key: key?.privateKey,
      });
      return {
        status: 200,
        headers: {
          'cache-control': 'no-store',
          'content-type': 'application/token-introspection+jwt',
        },
        raw: jwt,
      };
    }
    return {
      status: 200,
      headers: { 'cache-control': 'no-store' },
      body: answer,
    };
  }
}

function zeroCounts(): RequestCounts {
  return Object.fromEntries(FAULT_ENDPOINTS.map((name) => [name, 0])) as RequestCounts;
}

function urlHost(address: string): string {
  if (address === '0.0.0.0') return '127.0.0.1';
  if (address === '::') return '[::1]';
  return address.includes(':') ? `[${address}]` : address;
}

function isSigningAlgorithm(value: unknown): value is SigningAlgorithm {
  return (SIGNING_ALGORITHMS as readonly unknown[]).includes(value);
}

function parseObject(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return isPlainObject(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
