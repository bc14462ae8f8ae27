import { MetadataSource } from './discovery/metadata-source.js';
import type { ResolvedDpop } from './dpop/options.js';
import type { ResolvedIntrospection } from './introspection/options.js';
import { isSymmetric } from './jws/algorithms.js';
import { KeySource } from './jwt/key-source.js';
import type { JwtConfig, ResolvedIssuer } from './jwt/options.js';
import { HttpClient } from './lib/http-client.js';
import type { ResolvedMtls } from './mtls/options.js';
import type { GuardSettings } from './options.js';
import { createMemoryStore, type Store } from './store.js';

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
  };
}
