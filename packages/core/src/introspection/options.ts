import { createPrivateKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { checkUrl, fail, seconds } from '../lib/validate.js';
import type { ClientAuth, ClientAuthMethod } from './client-auth.js';

/**
 * RFC 7662 introspection, for opaque access tokens and for revocation-sensitive APIs. Durations
 * are in seconds.
 *
 * @example
 * ```ts
 * createTokenGuard({
 *   issuer: 'https://auth.example.com/',
 *   audience: 'https://api.example.com',
 *   introspection: { clientId: 'orders-api', clientSecret: process.env.INTROSPECTION_SECRET },
 * });
 * ```
 */
export interface IntrospectionOptions {
  /** The introspection endpoint. Default: the issuer metadata's `introspection_endpoint`. */
  endpoint?: string;
  /** With several issuers: the one whose tokens this endpoint introspects. Default: the only issuer. */
  issuer?: string;
  /** This API's client id at the authorization server. */
  clientId: string;
  /** The client secret, for `client_secret_basic` and `client_secret_post`. */
  clientSecret?: string;
  /** Default `client_secret_basic` (or `private_key_jwt` when `privateKey` is given). */
  clientAuth?: ClientAuthMethod;
  /** For `private_key_jwt` (RFC 7523): a private `KeyObject`, PEM or JWK. */
  privateKey?: KeyObject | string | JsonWebKey;
  /** The assertion's `alg`. Default from the key type (RS256, ES256/384/512, EdDSA). */
  privateKeyAlg?: string;
  /** The assertion's `kid` header. Default: the JWK's `kid`. */
  privateKeyKid?: string;
  /**
   * `'opaque'` (default): introspect only tokens that are not JWTs. `'always'`: also introspect
   * every locally verified JWT, so a revoked JWT is rejected (within `cacheTtl`).
   */
  mode?: 'opaque' | 'always';
  /** How long an active answer is cached, never past the token's `exp`. Default 60. */
  cacheTtl?: number;
  /** How long an inactive answer is cached. Default 5. */
  negativeCacheTtl?: number;
  /** Deadline for one call. Default 5. */
  timeout?: number;
  /**
   * After a sign that the endpoint is down — no connection, a timeout, a 5xx or 429 — answer 503
   * without calling again for this long. Default 1. Other answers never start it.
   */
  failureBackoff?: number;
  /**
   * Most calls to the endpoint in flight at once, from this guard. Default 16. Together with
   * the queue below, this keeps a flood of made-up tokens from becoming a flood on the
   * authorization server (RFC 7662 §4).
   */
  maxConcurrentCalls?: number;
  /** Most calls waiting for a free slot; beyond, a request is answered 503 at once. Default 64. */
  maxQueuedCalls?: number;
  /** How long a call waits for a free slot before the request is answered 503. Default 1. */
  queueTimeout?: number;
  /** Largest accepted response, in bytes. Default 65536. */
  maxResponseSize?: number;
  /** Ask for a signed RFC 9701 response (`application/token-introspection+jwt`) and verify it. */
  jwtResponse?: boolean;
  /**
   * Reject active answers without `aud` (default `true`): an answer that does not name this API as
   * its audience cannot show the token is meant for it (RFC 9700 §2.3). Set `false` only for an
   * authorization server that never sends `aud` in introspection answers; `aud` is then still
   * checked whenever it is present.
   */
  requireAudience?: boolean;
}

/** Introspection settings after validation. Durations in milliseconds. Internal. */
export interface ResolvedIntrospection {
  endpoint: string | undefined;
  /** The issuer whose tokens this endpoint answers for (and whose metadata names it). */
  issuer: string;
  auth: ClientAuth;
  mode: 'opaque' | 'always';
  cacheTtl: number;
  negativeCacheTtl: number;
  timeout: number;
  maxResponseSize: number;
  failureBackoff: number;
  jwtResponse: boolean;
  requireAudience: boolean;
  /** Calls to the endpoint in flight at once, at most. */
  maxConcurrentCalls: number;
  /** Calls waiting for a free slot, at most; more are answered 503 at once. */
  maxQueuedCalls: number;
  /** How long a call waits for a free slot before it is answered 503. */
  queueTimeout: number;
}

/** `introspection.<name>` in milliseconds. */
const millis = (value: unknown, name: string, fallback: number, max: number): number =>
  seconds(value, `introspection.${name}`, fallback, max) * 1000;

function defaultAlg(key: KeyObject): string {
  const type = key.asymmetricKeyType;
  if (type === 'rsa') return 'RS256';
  if (type === 'rsa-pss') return 'PS256';
  if (type === 'ed25519') return 'EdDSA';
  if (type === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === 'prime256v1') return 'ES256';
    if (curve === 'secp384r1') return 'ES384';
    if (curve === 'secp521r1') return 'ES512';
  }
  return fail('"introspection.privateKey" has an unsupported key type; use RSA, EC or Ed25519');
}

/** Validates `introspection` options (a `TypeError` naming the option). */
export function resolveIntrospection(
  options: IntrospectionOptions | undefined,
  issuers: readonly string[],
  allowInsecure: boolean,
): ResolvedIntrospection | undefined {
  if (options === undefined) return undefined;
  if (typeof options !== 'object' || options === null) fail('"introspection" must be an object');
  const { clientId, clientSecret } = options;
  if (typeof clientId !== 'string' || clientId === '') fail('"introspection.clientId" is required');
  if (clientSecret !== undefined && (typeof clientSecret !== 'string' || clientSecret === '')) {
    fail('"introspection.clientSecret" must be a non-empty string');
  }
  const method =
    options.clientAuth ??
    (options.privateKey !== undefined ? 'private_key_jwt' : 'client_secret_basic');
  if (!['client_secret_basic', 'client_secret_post', 'private_key_jwt'].includes(method)) {
    fail(
      '"introspection.clientAuth" must be client_secret_basic, client_secret_post or private_key_jwt',
    );
  }
  let signingKey: KeyObject | undefined;
  let signingAlg: string | undefined;
  let signingKid = options.privateKeyKid;
  if (method === 'private_key_jwt') {
    if (options.privateKey === undefined)
      fail('"introspection.privateKey" is required for private_key_jwt');
    try {
      const input = options.privateKey as KeyObject | string | JsonWebKey;
      signingKey =
        typeof input === 'string'
          ? createPrivateKey(input)
          : 'type' in input && typeof input.type === 'string' && 'export' in input
            ? (input as KeyObject)
            : createPrivateKey({ key: input as JsonWebKey, format: 'jwk' });
    } catch {
      fail('"introspection.privateKey" must be a private KeyObject, PEM or JWK');
    }
    if (signingKey?.type !== 'private') fail('"introspection.privateKey" must be a private key');
    signingAlg = options.privateKeyAlg ?? defaultAlg(signingKey as KeyObject);
    if (signingKid === undefined && typeof options.privateKey === 'object') {
      const kid = (options.privateKey as JsonWebKey).kid;
      if (typeof kid === 'string') signingKid = kid;
    }
  } else if (clientSecret === undefined) {
    fail(`"introspection.clientSecret" is required for ${method}`);
  }

  let issuer: string | undefined;
  if (options.issuer !== undefined) {
    if (!issuers.includes(options.issuer))
      fail('"introspection.issuer" must be one of the configured issuers');
    issuer = options.issuer;
  } else if (issuers.length === 1) {
    issuer = issuers[0];
  } else {
    fail('"introspection.issuer" is required with several issuers');
  }
  if (options.endpoint !== undefined) {
    if (typeof options.endpoint !== 'string') fail('"introspection.endpoint" must be a URL string');
    checkUrl(options.endpoint, 'introspection.endpoint', allowInsecure);
  }
  const mode = options.mode ?? 'opaque';
  if (mode !== 'opaque' && mode !== 'always')
    fail('"introspection.mode" must be "opaque" or "always"');
  for (const flag of ['jwtResponse', 'requireAudience'] as const) {
    if (options[flag] !== undefined && typeof options[flag] !== 'boolean') {
      fail(`"introspection.${flag}" must be a boolean`);
    }
  }
  const maxResponseSize = options.maxResponseSize ?? 64 * 1024;
  if (
    !Number.isInteger(maxResponseSize) ||
    maxResponseSize < 256 ||
    maxResponseSize > 16 * 1024 * 1024
  ) {
    fail(
      '"introspection.maxResponseSize" must be an integer number of bytes between 256 and 16777216',
    );
  }
  const timeout = millis(options.timeout, 'timeout', 5, 60);
  if (timeout === 0) fail('"introspection.timeout" must be greater than 0');
  const maxConcurrentCalls = options.maxConcurrentCalls ?? 16;
  if (
    !Number.isInteger(maxConcurrentCalls) ||
    maxConcurrentCalls < 1 ||
    maxConcurrentCalls > 1024
  ) {
    fail('"introspection.maxConcurrentCalls" must be an integer between 1 and 1024');
  }
  const maxQueuedCalls = options.maxQueuedCalls ?? 64;
  if (!Number.isInteger(maxQueuedCalls) || maxQueuedCalls < 0 || maxQueuedCalls > 100_000) {
    fail('"introspection.maxQueuedCalls" must be an integer between 0 and 100000');
  }
  const issuerName = issuer as string;
  const auth: ClientAuth = {
    method: method as ClientAuthMethod,
    clientId: clientId as string,
    clientSecret,
    signingKey,
    signingAlg,
    signingKid,
    assertionAudience: issuerName,
  };
  return {
    endpoint: options.endpoint,
    issuer: issuerName,
    auth,
    mode,
    cacheTtl: millis(options.cacheTtl, 'cacheTtl', 60, 86_400),
    negativeCacheTtl: millis(options.negativeCacheTtl, 'negativeCacheTtl', 5, 3_600),
    timeout,
    maxResponseSize,
    failureBackoff: millis(options.failureBackoff, 'failureBackoff', 1, 600),
    maxConcurrentCalls,
    maxQueuedCalls,
    queueTimeout: millis(options.queueTimeout, 'queueTimeout', 1, 60),
    jwtResponse: options.jwtResponse ?? false,
    requireAudience: options.requireAudience ?? true,
  };
}
