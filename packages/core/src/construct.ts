import { MetadataSource } from './discovery/metadata-source.js';
import type { ResolvedDpop } from './dpop/options.js';
import type { ResolvedIntrospection } from './introspection/options.js';
import { isSymmetric } from './jws/algorithms.js';
import { KeySource } from './jwt/key-source.js';
import type { JwtConfig, ResolvedIssuer } from './jwt/options.js';
import { HttpClient } from './lib/http-client.js';
import { type LogSink, UpstreamMonitor } from './logger.js';
import type { ResolvedMtls } from './mtls/options.js';
import type { GuardSettings } from './options.js';
import { createMemoryStore, type Store } from './store.js';
import type { TokenGuard } from './types.js';

/** A guard's configuration with the objects it runs on. Internal. */
export interface GuardConfig extends JwtConfig {
  readonly extract: GuardSettings['extract'];
  readonly guardLevel: GuardSettings['guardLevel'];
  readonly requirements: GuardSettings['requirements'];
  readonly challenge: GuardSettings['challenge'];
  readonly resource: string | undefined;
  readonly cache: GuardSettings['cache'];
  readonly publicUrl: URL | undefined;
  /** The pooled client every upstream call (discovery, JWKS, introspection) goes through. */
  readonly http: HttpClient;
  /** The introspection cache (and, unless `dpop.replayStore` is given, the replay memory). */
  readonly store: Store;
  readonly replayStore: Store;
  readonly introspection: ResolvedIntrospection | undefined;
  readonly dpop: ResolvedDpop | undefined;
  readonly mtls: ResolvedMtls | undefined;
  /** The `logger` option: rejections at debug. */
  readonly log: LogSink | undefined;
  /** Upstream state changes at warn; only with a logger. */
  readonly monitor: UpstreamMonitor | undefined;
  readonly warmUp: GuardSettings['warmUp'];
  readonly isRevoked: GuardSettings['isRevoked'];
}

/** Marks a guard made by `createTokenGuard()` (shared by every copy of the package). */
export const GUARD = Symbol.for('tokenguard.guard');

/** Whether `value` is a guard made by `createTokenGuard()`. */
export function isTokenGuard(value: unknown): value is TokenGuard {
  return typeof value === 'object' && value !== null && GUARD in value;
}

/** Internal: a guard's method returning its {@link GuardConfig}, for the adapter toolkit and the doctor. */
export const GUARD_CONFIG = Symbol('tokenguard.config');

/**
 * Internal: a guard's synchronous-when-possible `authenticate()`, for the adapter toolkit
 * (`authenticateNow()` in adapter/request-state.ts). Not part of the public `TokenGuard` type.
 */
export const AUTHENTICATE_NOW: unique symbol = Symbol.for('tokenguard.authenticateNow');

/** The configuration of a guard made by `createTokenGuard()`, or `undefined` for anything else. */
export function configOf(guard: unknown): GuardConfig | undefined {
  const read = (guard as { [GUARD_CONFIG]?: () => GuardConfig } | null)?.[GUARD_CONFIG];
  return typeof read === 'function' ? read.call(guard) : undefined;
}

/**
 * Fetches what a guard needs from upstream now (`guard.warmUp()`): each issuer's key set (and
 * its discovery metadata), and the introspection endpoint when it is discovered. Rejects with
 * the first `UpstreamError`, which names the URL and the cause.
 */
export async function warmUpUpstream(config: GuardConfig): Promise<void> {
  const { issuers, introspection, spiffe } = config;
  const fetches: Promise<unknown>[] = [];
  // A multi-tenant template's issuers share one key source; each SPIFFE trust domain has its own.
  const sources = new Set(
    [...issuers.values(), ...(spiffe?.domains.values() ?? [])].map((issuer) => issuer.keySource),
  );
  for (const source of sources) {
    if (source !== undefined) fetches.push(source.warmUp());
  }
  if (introspection !== undefined && introspection.endpoint === undefined) {
    const issuer = issuers.get(introspection.issuer) as ResolvedIssuer;
    fetches.push(issuer.metadata.introspectionEndpoint());
  }
  await Promise.all(fetches);
}

/**
 * DPoP requests per second the built-in replay memory is sized for, sustained over a whole proof
 * window: above the ~2,400/s one process served over HTTP in bench/ (a client flooding with its
 * own proofs is limited by that rate too).
 */
const DEFAULT_PROOF_RATE = 3_000;

/**
 * Builds the objects a guard runs on from its validated settings, all in one place: the pooled
 * HTTP client, each issuer's metadata source and key source, and the default in-memory store.
 * Nothing is fetched here.
 */
export function constructGuard(settings: GuardSettings): GuardConfig {
  const { jwt, clock } = settings;
  const monitor = settings.log === undefined ? undefined : new UpstreamMonitor(settings.log);
  const http = new HttpClient({
    fetch: settings.fetch,
    allowInsecureRequests: settings.allowInsecureRequests,
  });
  const issuers = new Map<string, ResolvedIssuer>();
  const metadataOf = (issuer: string) =>
    new MetadataSource({
      issuer,
      http,
      clock,
      allowInsecureRequests: settings.allowInsecureRequests,
      monitor,
      limits: {
        maxAge: jwt.jwks.maxAge,
        failureBackoff: jwt.jwks.failureBackoff,
        timeout: jwt.jwks.timeout,
        maxResponseSize: jwt.jwks.maxResponseSize,
      },
    });
  // Issuers with one configured JWKS (a multi-tenant template's tenants) share one key source.
  const byJwksUri = new Map<string, KeySource>();
  for (const issuer of jwt.issuers) {
    const metadata = metadataOf(issuer.issuer);
    const needsKeys = ![...issuer.algorithms].every(isSymmetric);
    const shared = issuer.jwksUri === undefined ? undefined : byJwksUri.get(issuer.jwksUri);
    const keySource = !needsKeys
      ? undefined
      : (shared ??
        new KeySource({
          issuer: issuer.issuer,
          jwksUri: issuer.jwksUri,
          metadata,
          http,
          limits: jwt.jwks,
          clock,
          monitor,
        }));
    if (keySource !== undefined && issuer.jwksUri !== undefined) {
      byJwksUri.set(issuer.jwksUri, keySource);
    }
    issuers.set(issuer.issuer, { ...issuer, keySource, secret: jwt.secret, metadata });
  }

  // Each SPIFFE trust domain is an issuer of its own: `spiffe://<name>`, keys from its bundle.
  let spiffe: GuardConfig['spiffe'];
  if (settings.spiffe !== undefined) {
    const domains = new Map<string, ResolvedIssuer>();
    for (const [name, endpoint] of settings.spiffe.trustDomains) {
      const id = `spiffe://${name}`;
      const metadata = metadataOf(id);
      const keySource = new KeySource({
        issuer: id,
        jwksUri: endpoint,
        metadata,
        http,
        limits: jwt.jwks,
        clock,
        monitor,
        keyUse: 'jwt-svid',
      });
      domains.set(name, {
        issuer: id,
        jwksUri: endpoint,
        audiences: new Set(settings.spiffe.audiences),
        algorithms: jwt.algorithms,
        keySource,
        secret: undefined,
        metadata,
        trustDomain: name,
      });
    }
    spiffe = { domains, allowList: settings.spiffe.allowList };
  }

  // The replay memory holds every proof accepted within one window: sized from the window and
  // the rate one process can accept DPoP requests at (see the README's "Memory").
  const dpop = settings.dpop;
  const store =
    settings.store ??
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

  return {
    issuers,
    algorithms: jwt.algorithms,
    clockTolerance: jwt.clockTolerance,
    maxTokenAge: jwt.maxTokenAge,
    requireAtJwt: jwt.requireAtJwt,
    tokenTypes: jwt.tokenTypes,
    issuerTemplates: jwt.issuerTemplates,
    claimMapping: jwt.claimMapping,
    clientBinding: jwt.clientBinding,
    spiffe,
    validityRules: settings.validityRules,
    clock,
    extract: settings.extract,
    guardLevel: settings.guardLevel,
    requirements: settings.requirements,
    challenge: settings.challenge,
    resource: settings.resource,
    cache: settings.cache,
    publicUrl: settings.publicUrl,
    http,
    store,
    replayStore: dpop?.replayStore ?? store,
    introspection: settings.introspection,
    dpop: dpop?.settings,
    mtls: settings.mtls,
    log: settings.log,
    monitor,
    warmUp: settings.warmUp,
    isRevoked: settings.isRevoked,
  };
}
