import { createSecretKey, KeyObject } from 'node:crypto';
import type { ClaimRules } from './authorize/claims.js';
import { type CompiledClaimRule, compileClaimRules } from './authorize/claims.js';
import {
  type CompiledRequirements,
  compileLevel,
  type RequirementLevel,
  readRequirements,
} from './authorize/requirements.js';
import { isScopeToken } from './authorize/scopes.js';
import type { ChallengeConfig } from './challenge.js';
import { MetadataSource } from './discovery/metadata-source.js';
import { type DpopOptions, resolveDpop } from './dpop/options.js';
import type { ResolvedDpop } from './dpop/verify-proof.js';
import type { ResolvedIntrospection } from './introspection/introspect.js';
import { type IntrospectionOptions, resolveIntrospection } from './introspection/options.js';
import {
  ALGORITHMS,
  ASYMMETRIC_ALGORITHMS,
  isJwsAlgorithm,
  isSymmetric,
  type JwsAlgorithm,
} from './jwt/algorithms.js';
import type { KeyHandle } from './jwt/import-jwk.js';
import { KeySource, type KeySourceLimits } from './jwt/key-source.js';
import { closestName } from './lib/closest-name.js';
import { type FetchLike, HttpClient, isAllowedUrl } from './lib/http-client.js';
import { resourceMetadataUrl } from './metadata.js';
import { type MtlsOptions, type ResolvedMtls, resolveMtls } from './mtls/certificate-binding.js';
import { createMemoryStore, type Store } from './store.js';

/** Where a client may put its access token (RFC 6750 §2). Only `header` is on by default. */
export type TokenLocation = 'header' | 'query' | 'body';

/** Per-issuer settings, for APIs that trust several authorization servers. */
export interface IssuerOptions {
  /** The issuer identifier; a token's `iss` must equal it exactly. */
  issuer: string;
  /** The issuer's JWKS. Default: discovered from the issuer's metadata. */
  jwksUri?: string;
  /** Audiences accepted from this issuer. Default: the guard's `audience`. */
  audience?: string | readonly string[];
  /** Algorithms accepted from this issuer. Default: the guard's `algorithms`. */
  algorithms?: readonly JwsAlgorithm[];
}

/** How the issuer's JWKS is cached and fetched. Durations are in seconds. */
export interface JwksOptions {
  /** How long a fetched key set is fresh. Default 600. */
  cacheMaxAge?: number;
  /** After `cacheMaxAge`, how long the last good set keeps serving while refreshes fail. Default 600. */
  staleMaxAge?: number;
  /** An unknown `kid` refetches the set at most once per cooldown. Default 30. */
  cooldown?: number;
  /** After a failed fetch, requests within this window answer 503 without refetching. Default 5. */
  failureBackoff?: number;
  /** Deadline for one fetch. Default 5. */
  timeout?: number;
  /** Largest accepted JWKS or metadata document, in bytes. Default 524288 (512 KiB). */
  maxResponseSize?: number;
}

/** The verified-token cache: a repeated token costs a lookup instead of a signature check. */
export interface VerifiedTokenCacheOptions {
  /** Most tokens kept. Default 10,000. */
  max?: number;
  /** Most bytes of token strings kept. Default 33554432 (32 MiB). */
  maxSize?: number;
}

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
  /** Where tokens may come from. Default `['header']`. */
  tokenLocations?: readonly TokenLocation[];
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
}

/** An issuer as the guard uses it. */
export interface ResolvedIssuer {
  readonly issuer: string;
  readonly audiences: ReadonlySet<string>;
  readonly algorithms: ReadonlySet<JwsAlgorithm>;
  readonly keySource: KeySource | undefined;
  readonly secret: KeyHandle | undefined;
  readonly metadata: MetadataSource;
}

/** The validated configuration of a guard. Internal. */
export interface GuardConfig {
  readonly issuers: ReadonlyMap<string, ResolvedIssuer>;
  /** All algorithms any issuer accepts: a token with another `alg` is rejected before parsing its payload. */
  readonly algorithms: ReadonlySet<JwsAlgorithm>;
  readonly clockTolerance: number;
  readonly maxTokenAge: number | undefined;
  /** `accessTokenProfile: 'rfc9068'`: `typ: at+jwt` and every RFC 9068 §2.2 claim required. */
  readonly requireAtJwt: boolean;
  readonly tokenTypes: ReadonlySet<string>;
  readonly maxTokenLength: number;
  readonly locations: { header: boolean; query: boolean; body: boolean };
  readonly validityRules: readonly CompiledClaimRule[];
  /** The guard's own requirements (`scopes`, `anyScopes`): the outermost level of every route. */
  readonly guardLevel: RequirementLevel;
  readonly requirements: CompiledRequirements;
  readonly challenge: ChallengeConfig;
  readonly resource: string | undefined;
  readonly cache: false | { max: number; maxSize: number };
  readonly clock: () => number;
  readonly http: HttpClient;
  readonly allowInsecureRequests: boolean;
  readonly publicUrl: URL | undefined;
  readonly store: Store;
  readonly introspection: ResolvedIntrospection | undefined;
  readonly dpop: ResolvedDpop | undefined;
  readonly replayStore: Store;
  readonly mtls: ResolvedMtls | undefined;
}

/**
 * DPoP requests per second the built-in replay memory is sized for, sustained over a whole proof
 * window: above the ~2,400/s one process served over HTTP in bench/ (a client flooding with its
 * own proofs is limited by that rate too).
 */
const DEFAULT_PROOF_RATE = 3_000;

// RFC 7518 §3.2: an HMAC key at least as long as the hash output.
const HS_MIN_BYTES = { HS256: 32, HS384: 48, HS512: 64 } as const;

const fail = (message: string): never => {
  throw new TypeError(`tokenguard: ${message}`);
};

function list(value: unknown, name: string): string[] {
  if (value === undefined) return [];
  const values = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(values) || !values.every((v) => typeof v === 'string' && v.length > 0)) {
    fail(`"${name}" must be a non-empty string or an array of non-empty strings`);
  }
  return values as string[];
}

function seconds(
  value: unknown,
  name: string,
  fallback: number,
  max = Number.POSITIVE_INFINITY,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > max) {
    fail(`"${name}" must be a finite number of seconds between 0 and ${max}`);
  }
  return value as number;
}

function checkUrl(value: string, name: string, allowInsecure: boolean): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return fail(`"${name}" must be an absolute URL`);
  }
  if (!isAllowedUrl(url, allowInsecure)) {
    fail(
      `"${name}" must use https (plain http is only allowed on loopback, or with "allowInsecureRequests: true")`,
    );
  }
  return url;
}

function checkQuotable(value: string | undefined, name: string): string | undefined {
  if (value !== undefined && (typeof value !== 'string' || !/^[\x20-\x7e]*$/.test(value))) {
    fail(`"${name}" must be a string of printable ASCII characters`);
  }
  return value;
}

const KNOWN_OPTIONS = new Set([
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
  'maxTokenLength',
  'scopes',
  'anyScopes',
  'claims',
  'resource',
  'realm',
  'tokenLocations',
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
]);

/** Validates options and builds the guard's configuration. Throws `TypeError` naming the option. */
export function resolveOptions(
  options: TokenGuardOptions,
  extraKeys: readonly string[] = [],
): GuardConfig {
  if (typeof options !== 'object' || options === null) fail('options must be an object');
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(key) && !extraKeys.includes(key)) {
      const closest = closestName(key, [...KNOWN_OPTIONS, ...extraKeys]);
      fail(`unknown option "${key}"${closest === undefined ? '' : `; did you mean "${closest}"?`}`);
    }
  }
  const allowInsecure = options.allowInsecureRequests ?? false;
  if (typeof allowInsecure !== 'boolean') fail('"allowInsecureRequests" must be a boolean');
  const clock = options.clock ?? Date.now;
  if (typeof clock !== 'function') fail('"clock" must be a function returning milliseconds');
  if (options.fetch !== undefined && typeof options.fetch !== 'function')
    fail('"fetch" must be a function');

  // Algorithms and secret.
  let secret: KeyHandle | undefined;
  if (options.secret !== undefined) {
    let key: KeyObject;
    if (options.secret instanceof KeyObject) {
      if (options.secret.type !== 'secret') fail('"secret" must be a secret KeyObject');
      key = options.secret;
    } else if (typeof options.secret === 'string' || options.secret instanceof Uint8Array) {
      key = createSecretKey(
        typeof options.secret === 'string' ? Buffer.from(options.secret, 'utf8') : options.secret,
      );
    } else {
      return fail('"secret" must be a string, a Uint8Array or a secret KeyObject');
    }
    secret = {
      kid: undefined,
      alg: undefined,
      family: 'oct',
      key,
      identity: 'secret',
      unusable: undefined,
      active: true,
    };
  }
  // With a secret and no explicit list: the HS algorithms the secret is long enough for.
  const secretBytes = secret?.key.symmetricKeySize ?? 0;
  const algorithms =
    options.algorithms ??
    (secret
      ? (['HS256', 'HS384', 'HS512'] as const).filter(
          (alg, i) => i === 0 || secretBytes >= HS_MIN_BYTES[alg],
        )
      : ASYMMETRIC_ALGORITHMS);
  if (!Array.isArray(algorithms) || algorithms.length === 0)
    fail('"algorithms" must be a non-empty array');
  for (const alg of algorithms) {
    if (typeof alg === 'string' && alg.toLowerCase() === 'none')
      fail('"algorithms" must not contain "none"');
    if (!isJwsAlgorithm(alg))
      fail(
        `"algorithms" contains an unsupported algorithm; supported: ${Object.keys(ALGORITHMS).join(', ')}`,
      );
    if (isSymmetric(alg)) {
      if (!secret) fail(`"algorithms" contains ${alg}, which requires "secret"`);
      const minBytes = HS_MIN_BYTES[alg as keyof typeof HS_MIN_BYTES];
      if (secretBytes < minBytes) {
        fail(`"secret" must be at least ${minBytes} bytes for ${alg} (RFC 7518 §3.2)`);
      }
    }
  }

  // Audience.
  const audiences = list(options.audience, 'audience');

  // Issuers, each with the option path to name in errors.
  const issuerOptions: Array<{ entry: IssuerOptions; name: string }> = [];
  for (const issuer of list(options.issuer, 'issuer')) {
    issuerOptions.push({ entry: { issuer }, name: 'issuer' });
  }
  if (options.issuers !== undefined) {
    if (!Array.isArray(options.issuers)) {
      fail('"issuers" must be an array of { issuer, jwksUri?, audience?, algorithms? }');
    }
    options.issuers.forEach((entry, i) => {
      if (typeof entry !== 'object' || entry === null || typeof entry.issuer !== 'string') {
        fail(`"issuers[${i}].issuer" is required`);
      }
      issuerOptions.push({ entry, name: `issuers[${i}]` });
    });
  }
  if (issuerOptions.length === 0) fail('"issuer" is required (or "issuers")');
  if (options.jwksUri !== undefined) {
    if (issuerOptions.length !== 1) {
      fail('"jwksUri" needs exactly one issuer; use "issuers: [{ issuer, jwksUri }]" for several');
    }
    const only = issuerOptions[0]!;
    issuerOptions[0] = { entry: { ...only.entry, jwksUri: options.jwksUri }, name: only.name };
  }
  const optionName = (name: string, member: string) =>
    name === 'issuer' ? member : `${name}.${member}`;

  const jwks = options.jwks ?? {};
  if (typeof jwks !== 'object' || jwks === null) fail('"jwks" must be an object');
  const limits: KeySourceLimits = {
    maxAge: seconds(jwks.cacheMaxAge, 'jwks.cacheMaxAge', 600) * 1000,
    staleMaxAge: seconds(jwks.staleMaxAge, 'jwks.staleMaxAge', 600) * 1000,
    cooldown: seconds(jwks.cooldown, 'jwks.cooldown', 30) * 1000,
    failureBackoff: seconds(jwks.failureBackoff, 'jwks.failureBackoff', 5, 600) * 1000,
    timeout: seconds(jwks.timeout, 'jwks.timeout', 5, 60) * 1000,
    maxResponseSize: Math.floor(
      seconds(jwks.maxResponseSize, 'jwks.maxResponseSize', 512 * 1024, 16 * 1024 * 1024),
    ),
    maxKeys: 100,
  };
  if (limits.timeout === 0) fail('"jwks.timeout" must be greater than 0');

  const http = new HttpClient({ fetch: options.fetch, allowInsecureRequests: allowInsecure });
  const issuers = new Map<string, ResolvedIssuer>();
  const allAlgorithms = new Set<JwsAlgorithm>();
  for (const { entry, name } of issuerOptions) {
    checkUrl(entry.issuer, optionName(name, 'issuer'), allowInsecure);
    if (issuers.has(entry.issuer)) fail(`"${optionName(name, 'issuer')}" is listed twice`);
    if (entry.jwksUri !== undefined) {
      if (typeof entry.jwksUri !== 'string')
        fail(`"${optionName(name, 'jwksUri')}" must be a URL string`);
      checkUrl(entry.jwksUri, optionName(name, 'jwksUri'), allowInsecure);
    }
    const aud =
      entry.audience === undefined ? audiences : list(entry.audience, optionName(name, 'audience'));
    if (aud.length === 0)
      fail('"audience" is required: the identifier of this API that tokens must be issued for');
    const algs = entry.algorithms === undefined ? algorithms : entry.algorithms;
    if (!Array.isArray(algs) || algs.length === 0 || !algs.every(isJwsAlgorithm)) {
      fail(`"${optionName(name, 'algorithms')}" must be a non-empty array of supported algorithms`);
    }
    for (const alg of algs) {
      if (isSymmetric(alg)) {
        const where = optionName(name, 'algorithms');
        if (!secret) fail(`"${where}" contains ${alg}, which requires "secret"`);
        const minBytes = HS_MIN_BYTES[alg as keyof typeof HS_MIN_BYTES];
        if (secretBytes < minBytes) {
          fail(
            `"secret" must be at least ${minBytes} bytes for ${alg} in "${where}" (RFC 7518 §3.2)`,
          );
        }
      }
      allAlgorithms.add(alg);
    }
    const metadata = new MetadataSource({
      issuer: entry.issuer,
      http,
      clock,
      allowInsecureRequests: allowInsecure,
      limits: {
        maxAge: limits.maxAge,
        failureBackoff: limits.failureBackoff,
        timeout: limits.timeout,
        maxResponseSize: limits.maxResponseSize,
      },
    });
    const needsKeys = !algs.every(isSymmetric);
    issuers.set(entry.issuer, {
      issuer: entry.issuer,
      audiences: new Set(aud),
      algorithms: new Set(algs),
      keySource: needsKeys
        ? new KeySource({
            issuer: entry.issuer,
            jwksUri: entry.jwksUri,
            metadata,
            http,
            limits,
            clock,
          })
        : undefined,
      secret,
      metadata,
    });
  }

  // Token validation.
  const clockTolerance = seconds(options.clockTolerance, 'clockTolerance', 30, 300);
  const maxTokenAge =
    options.maxTokenAge === undefined ? undefined : seconds(options.maxTokenAge, 'maxTokenAge', 0);
  if (options.accessTokenProfile !== undefined && options.accessTokenProfile !== 'rfc9068') {
    fail('"accessTokenProfile" must be "rfc9068" or left out');
  }
  const tokenTypes = new Set(['at+jwt']);
  for (const typ of list(options.tokenTypes, 'tokenTypes')) tokenTypes.add(normalizeTyp(typ));
  const maxTokenLength = options.maxTokenLength ?? 8192;
  if (!Number.isInteger(maxTokenLength) || maxTokenLength < 16 || maxTokenLength > 16 * 1024) {
    fail('"maxTokenLength" must be an integer between 16 and 16384');
  }

  // Locations.
  const locationList = options.tokenLocations ?? ['header'];
  if (!Array.isArray(locationList) || locationList.length === 0)
    fail('"tokenLocations" must be a non-empty array');
  const locations = { header: false, query: false, body: false };
  for (const location of locationList) {
    if (location !== 'header' && location !== 'query' && location !== 'body') {
      fail('"tokenLocations" may only contain "header", "query" and "body"');
    }
    locations[location as TokenLocation] = true;
  }

  // Requirements every request must meet.
  const validityRules = compileClaimRules(options.claims, 'claims');
  const guardLevel = readRequirements(
    { scopes: options.scopes, anyScopes: options.anyScopes },
    'options',
  );
  const requirements = compileLevel(guardLevel);

  // Challenge and resource.
  const realm = checkQuotable(options.realm, 'realm');
  let resource: string | undefined;
  let resourceMetadata: string | undefined;
  if (options.resource !== undefined) {
    if (typeof options.resource !== 'string') fail('"resource" must be a URL string');
    const url = checkUrl(options.resource, 'resource', allowInsecure);
    if (url.search || url.hash)
      fail('"resource" must not have a query or fragment (RFC 9728 §1.2)');
    resource = options.resource;
    resourceMetadata = resourceMetadataUrl(resource);
  }

  let cache: GuardConfig['cache'] = { max: 10_000, maxSize: 32 * 1024 * 1024 };
  if (options.cache === false) cache = false;
  else if (options.cache !== undefined) {
    if (typeof options.cache !== 'object' || options.cache === null)
      fail('"cache" must be false or { max?, maxSize? }');
    const max = options.cache.max ?? cache.max;
    const maxSize = options.cache.maxSize ?? cache.maxSize;
    if (!Number.isInteger(max) || max < 1) fail('"cache.max" must be a positive integer');
    if (!Number.isInteger(maxSize) || maxSize < 1024)
      fail('"cache.maxSize" must be an integer of at least 1024 bytes');
    cache = { max, maxSize };
  }

  let publicUrl: URL | undefined;
  if (options.publicUrl !== undefined) {
    if (typeof options.publicUrl !== 'string') fail('"publicUrl" must be a URL string');
    publicUrl = checkUrl(options.publicUrl, 'publicUrl', true);
    if (publicUrl.search || publicUrl.hash || publicUrl.username || publicUrl.password) {
      fail(
        '"publicUrl" must be an origin with an optional path, without query, fragment or credentials',
      );
    }
  }

  const store = options.store;
  if (
    store !== undefined &&
    (typeof store !== 'object' ||
      store === null ||
      typeof store.get !== 'function' ||
      typeof store.set !== 'function' ||
      typeof store.setIfAbsent !== 'function')
  ) {
    fail('"store" must implement get, set and setIfAbsent');
  }

  const dpop = resolveDpop(options.dpop);
  const mtls = resolveMtls(options.mtls);
  if (
    dpop?.replayCapacity !== undefined &&
    (store !== undefined || dpop.replayStore !== undefined)
  ) {
    fail(
      '"dpop.replayCapacity" sizes the built-in replay memory; with "store" or "dpop.replayStore", size that store instead (createMemoryStore({ replayCapacity }))',
    );
  }
  // The replay memory holds every proof accepted within one window: sized from the window and
  // the rate one process can accept DPoP requests at (see the README's "Memory").
  const sharedStore =
    store ??
    createMemoryStore({
      clock,
      replayCapacity:
        dpop === undefined
          ? undefined
          : (dpop.replayCapacity ??
            Math.ceil(
              (DEFAULT_PROOF_RATE * (dpop.settings.iatWindow + dpop.settings.iatLeeway)) / 1000,
            )),
    });

  const introspection = resolveIntrospection(options.introspection, issuers, (url, name) => {
    checkUrl(url, name, allowInsecure);
  });

  return {
    issuers,
    algorithms: allAlgorithms,
    clockTolerance,
    maxTokenAge,
    requireAtJwt: options.accessTokenProfile === 'rfc9068',
    tokenTypes,
    maxTokenLength,
    locations,
    validityRules,
    guardLevel,
    requirements,
    challenge: {
      realm,
      resourceMetadata,
      dpopAlgs: dpop === undefined ? undefined : [...dpop.settings.algorithms].join(' '),
      dpopRequired: dpop?.settings.mode === 'required',
    },
    resource,
    cache,
    clock,
    http,
    allowInsecureRequests: allowInsecure,
    publicUrl,
    store: sharedStore,
    introspection,
    dpop: dpop?.settings,
    replayStore: dpop?.replayStore ?? sharedStore,
    mtls,
  };
}

/** RFC 7515 §4.1.9: `typ` compares case-insensitively and may omit `application/`. */
export function normalizeTyp(typ: string): string {
  const lower = typ.toLowerCase();
  return lower.startsWith('application/') ? lower.slice('application/'.length) : lower;
}

export { isScopeToken };
