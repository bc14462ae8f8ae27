import type { KeyObject } from 'node:crypto';
import { type CompiledRequirements, compileLevel } from './authorize/authorize.js';
import { type ClaimRules, type CompiledClaimRule, compileClaimRules } from './authorize/claims.js';
import { type RequirementLevel, readRequirements } from './authorize/requirements.js';
import { type ExtractSettings, resolveExtract, type TokenLocation } from './bearer/options.js';
import type { ChallengeConfig } from './challenge.js';
import { type DpopOptions, type ResolvedDpop, resolveDpop } from './dpop/options.js';
import {
  type IntrospectionOptions,
  type ResolvedIntrospection,
  resolveIntrospection,
} from './introspection/options.js';
import type { JwsAlgorithm } from './jws/algorithms.js';
import type { ScopeClaim } from './jwt/claim-mapping.js';
import type { ClientBinding } from './jwt/client-binding.js';
import {
  type IssuerOptions,
  type JwksOptions,
  type JwtSettings,
  resolveJwt,
} from './jwt/options.js';
import type { FetchLike } from './lib/http-client.js';
import { checkKnownKeys, checkQuotable, fail } from './lib/validate.js';
import { type LogSink, resolveLogger, type TokenGuardLogger } from './logger.js';
import { resolveResource, resourceMetadataUrl } from './metadata.js';
import { type MtlsOptions, type ResolvedMtls, resolveMtls } from './mtls/options.js';
import { resolvePublicUrl } from './public-url.js';
import { type RevocationCheck, resolveRevocation } from './revocation.js';
import { resolveSpiffe, type SpiffeOptions, type SpiffeSettings } from './spiffe/options.js';
import { checkStore, type Store } from './store.js';
import {
  resolveCache,
  type VerifiedTokenCacheOptions,
  type VerifiedTokenCacheSettings,
} from './verified-token-cache.js';

/**
 * Options of {@link createTokenGuard}; every adapter accepts the same object. Durations are in
 * seconds. Invalid or missing options throw a `TypeError` naming the option, at construction.
 */
export interface TokenGuardOptions {
  /** Trusted issuer(s); a token's `iss` must equal one exactly. Keys are discovered (RFC 8414, then OpenID Connect) unless `jwksUri` is given. */
  issuer?: string | readonly string[];
  /** Per-issuer settings instead of (or besides) `issuer`. */
  issuers?: readonly IssuerOptions[];
  /** This API's identifier(s): a token's `aud` must contain one. Required. */
  audience?: string | readonly string[];
  /** The JWKS URL, when there is one issuer and discovery is not wanted. */
  jwksUri?: string;
  /** Accepted JWS algorithms. Default: every asymmetric one (RS, PS, ES, EdDSA); `none` is never accepted. */
  algorithms?: readonly JwsAlgorithm[];
  /** A shared secret for HS256/384/512 tokens (at least as long as the hash). With a secret and no `algorithms`, only HS algorithms are accepted. */
  secret?: string | Uint8Array | KeyObject;
  /** Leeway for `exp`, `nbf` and `iat`, in seconds. Default 30, at most 300. */
  clockTolerance?: number;
  /** Reject tokens issued (`iat`) longer ago than this, in seconds. */
  maxTokenAge?: number;
  /**
   * `'rfc9068'` holds JWTs to the RFC 9068 profile: `typ: at+jwt` (§2.1) and every claim §2.2 makes
   * REQUIRED — `iss`, `exp`, `aud`, `sub`, `client_id` (not `azp`), `iat`, `jti`. By default a
   * missing `typ` is accepted, and of those claims only `iss`, `exp` and `aud` are required.
   */
  accessTokenProfile?: 'rfc9068';
  /** Further JWT `typ` values to accept besides `at+jwt`, e.g. `['JWT']` for Entra ID or Keycloak. */
  tokenTypes?: readonly string[];
  /** The claims `auth.clientId` is read from, first present wins. Default `['client_id', 'azp']`; Okta `cid`, Entra v1 `appid`. */
  clientIdClaim?: string | readonly string[];
  /** Claims whose values count as scopes too, each under a prefix (roles, groups, permissions): see `ScopeClaim`. */
  scopeClaims?: readonly ScopeClaim[];
  /**
   * For authorization servers whose access tokens carry no `aud` (Amazon Cognito): a token
   * without `aud` passes only with an allowed client id and the binding's claims. With it,
   * `audience` may be left out. See `ClientBinding`.
   */
  clientBinding?: ClientBinding;
  /** SPIFFE JWT-SVIDs: trusted trust domains (bundle endpoints) and allowed SPIFFE IDs. `issuer` is then optional. */
  spiffe?: SpiffeOptions;
  /** Longest token accepted, in characters; longer ones are rejected before decoding. Default 8192. */
  maxTokenLength?: number;
  /** Scopes every request must carry (all of them). */
  scopes?: readonly string[];
  /** Scopes of which every request must carry at least one. */
  anyScopes?: readonly string[];
  /** Claim rules every token must satisfy to be valid; a failure is 401 `invalid_token`. */
  claims?: ClaimRules;
  /** This API's resource identifier (RFC 9728); challenges then carry `resource_metadata`. */
  resource?: string;
  /** The `realm` of every challenge. */
  realm?: string;
  /**
   * Where tokens may come from. Default `['header']`; add `'query'`, `'body'` or
   * `{ cookie: '__Host-access_token' }` (a same-site web client only: see {@link TokenLocation}).
   */
  tokenLocations?: readonly TokenLocation[];
  /**
   * Your own revocation check, called after every other check on every request (cached tokens
   * included): `true` → 401 `invalid_token`; a throw → 503. See {@link RevocationCheck}.
   */
  isRevoked?: RevocationCheck;
  /** RFC 7662 introspection for opaque tokens (and, with `mode: 'always'`, for every token). */
  introspection?: IntrospectionOptions;
  /** DPoP sender-constrained tokens (RFC 9449): proof checks, replay detection, server nonces. */
  dpop?: DpopOptions;
  /** Certificate-bound tokens (RFC 8705). */
  mtls?: MtlsOptions;
  /**
   * Shared state for DPoP replay detection and the introspection cache. Default: in memory, one
   * store per guard (see `createMemoryStore`). Every key is namespaced by the guard's identity.
   */
  store?: Store;
  /** The verified-token cache; `false` turns it off. */
  cache?: false | VerifiedTokenCacheOptions;
  /** JWKS caching and fetching. */
  jwks?: JwksOptions;
  /** Route upstream calls through this `fetch` instead of tokenguard's pooled undici agent. */
  fetch?: FetchLike;
  /** Milliseconds since the epoch, like `Date.now`; for tests. */
  clock?: () => number;
  /** Allow plain-http issuers and endpoints outside loopback. Never in production. */
  allowInsecureRequests?: boolean;
  /** The public origin (and path prefix) of this API behind a proxy, e.g. `https://api.example.com`; adapters then build request URLs from it instead of the Host header. */
  publicUrl?: string;
  /**
   * Where the guard says why: each rejected request at `debug` (reason, expected and actual
   * values), upstream trouble at `warn` once per change of state. `console`, pino, Nest's
   * `Logger`, … (see `TokenGuardLogger`). Default: none (the Fastify and NestJS adapters and
   * Express's `requireToken()` pass their own; `false` turns that off too).
   */
  logger?: TokenGuardLogger | false;
  /**
   * What the adapters do at start-up: `'fail'` fetches the issuer's metadata and keys and refuses
   * to start when they cannot be had (naming the URL and the cause), `'warn'` fetches them and
   * starts anyway with a warning, `false` (default) fetches them on the first request.
   * `createTokenGuard()` itself never fetches anything: Fastify's plugin does it `onReady`,
   * NestJS's module on init, Express's `warmUp()` when called.
   */
  warmUp?: WarmUpMode;
}

/** See {@link TokenGuardOptions.warmUp}. */
export type WarmUpMode = 'fail' | 'warn' | false;

/** The validated options of a guard, before anything is built from them. Internal. */
export interface GuardSettings {
  readonly jwt: JwtSettings;
  readonly extract: ExtractSettings;
  /** The guard's `claims`: a token that fails one is not valid. */
  readonly validityRules: readonly CompiledClaimRule[];
  /** The guard's own requirements (`scopes`, `anyScopes`): the outermost level of every route. */
  readonly guardLevel: RequirementLevel;
  readonly requirements: CompiledRequirements;
  readonly challenge: ChallengeConfig;
  readonly resource: string | undefined;
  readonly cache: VerifiedTokenCacheSettings;
  readonly clock: () => number;
  readonly fetch: FetchLike | undefined;
  readonly allowInsecureRequests: boolean;
  readonly publicUrl: URL | undefined;
  /** The `store` option, when given. */
  readonly store: Store | undefined;
  readonly introspection: ResolvedIntrospection | undefined;
  readonly dpop:
    | { settings: ResolvedDpop; replayStore: Store | undefined; replayCapacity: number | undefined }
    | undefined;
  readonly mtls: ResolvedMtls | undefined;
  readonly log: LogSink | undefined;
  /** `undefined`: not set (each adapter has its default). */
  readonly warmUp: WarmUpMode | undefined;
  /** The `isRevoked` option. */
  readonly isRevoked: RevocationCheck | undefined;
  readonly spiffe: SpiffeSettings | undefined;
}

const KNOWN_OPTIONS = [
  'issuer',
  'issuers',
  'audience',
  'jwksUri',
  'algorithms',
  'secret',
  'clockTolerance',
  'maxTokenAge',
  'accessTokenProfile',
  'tokenTypes',
  'clientIdClaim',
  'scopeClaims',
  'clientBinding',
  'spiffe',
  'maxTokenLength',
  'scopes',
  'anyScopes',
  'claims',
  'resource',
  'realm',
  'tokenLocations',
  'isRevoked',
  'store',
  'cache',
  'jwks',
  'fetch',
  'clock',
  'allowInsecureRequests',
  'publicUrl',
  'introspection',
  'dpop',
  'mtls',
  'logger',
  'warmUp',
];

/**
 * Validates the options of a guard, each feature by its own resolver (JWT, extraction, DPoP,
 * mTLS, introspection, the cache), and composes them. Throws a `TypeError` naming the option.
 */
export function resolveOptions(options: TokenGuardOptions): GuardSettings {
  if (typeof options !== 'object' || options === null) fail('options must be an object');
  checkKnownKeys(options, KNOWN_OPTIONS, 'option');
  const allowInsecure = options.allowInsecureRequests ?? false;
  if (typeof allowInsecure !== 'boolean') fail('"allowInsecureRequests" must be a boolean');
  const clock = options.clock ?? Date.now;
  if (typeof clock !== 'function') fail('"clock" must be a function returning milliseconds');
  if (options.fetch !== undefined && typeof options.fetch !== 'function')
    fail('"fetch" must be a function');

  const spiffe = resolveSpiffe(options.spiffe, options.audience, allowInsecure);
  const jwt = resolveJwt(options, allowInsecure, spiffe !== undefined);
  if (spiffe !== undefined && jwt.secret !== undefined) {
    fail('"secret" cannot be used with "spiffe": JWT-SVIDs are signed with the bundle\'s keys');
  }
  const extract = resolveExtract(options);
  const validityRules = compileClaimRules(options.claims, 'claims');
  const guardLevel = readRequirements(
    { scopes: options.scopes, anyScopes: options.anyScopes },
    'options',
  );
  const realm = checkQuotable(options.realm, 'realm');
  const resource = resolveResource(options.resource, allowInsecure);
  const cache = resolveCache(options.cache);
  const publicUrl = resolvePublicUrl(options.publicUrl);
  checkStore(options.store, 'store', ['get', 'set', 'setIfAbsent']);

  const dpop = resolveDpop(options.dpop);
  const mtls = resolveMtls(options.mtls);
  if (
    dpop?.replayCapacity !== undefined &&
    (options.store !== undefined || dpop.replayStore !== undefined)
  ) {
    fail(
      '"dpop.replayCapacity" sizes the built-in replay memory; with "store" or "dpop.replayStore", size that store instead (createMemoryStore({ replayCapacity }))',
    );
  }
  const warmUp = options.warmUp;
  if (warmUp !== undefined && warmUp !== false && warmUp !== 'fail' && warmUp !== 'warn') {
    fail('"warmUp" must be "fail", "warn" or false');
  }
  const introspection = resolveIntrospection(
    options.introspection,
    jwt.issuers.map((issuer) => issuer.issuer),
    allowInsecure,
  );

  return {
    jwt,
    extract,
    validityRules,
    guardLevel,
    requirements: compileLevel(guardLevel),
    challenge: {
      realm,
      resourceMetadata: resource === undefined ? undefined : resourceMetadataUrl(resource),
      dpopAlgs: dpop === undefined ? undefined : [...dpop.settings.algorithms].join(' '),
      dpopRequired: dpop?.settings.mode === 'required',
    },
    resource,
    cache,
    clock,
    fetch: options.fetch,
    allowInsecureRequests: allowInsecure,
    publicUrl,
    store: options.store,
    introspection,
    dpop,
    mtls,
    log: resolveLogger(options.logger),
    warmUp,
    isRevoked: resolveRevocation(options.isRevoked),
    spiffe,
  };
}
