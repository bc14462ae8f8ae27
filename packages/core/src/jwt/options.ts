import type { KeyObject } from 'node:crypto';
import type { CompiledClaimRule } from '../authorize/claims.js';
import type { MetadataSource } from '../discovery/metadata-source.js';
import {
  ALGORITHMS,
  ASYMMETRIC_ALGORITHMS,
  isJwsAlgorithm,
  type JwsAlgorithm,
} from '../jws/algorithms.js';
import type { KeyHandle } from '../jws/jwk.js';
import { checkSecretFor, HS_MIN_BYTES, resolveSecret } from '../jws/secret.js';
import { checkUrl, fail, list, seconds } from '../lib/validate.js';
import type { SpiffeConfig } from '../spiffe/options.js';
import { type ClaimMapping, resolveClaimMapping, type ScopeClaim } from './claim-mapping.js';
import { type ResolvedClientBinding, resolveClientBinding } from './client-binding.js';
import { type ExpandedIssuer, expandIssuerEntry, type IssuerTemplate } from './issuer-template.js';
import type { KeySource, KeySourceLimits } from './key-source.js';

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
  /**
   * With an issuer template (`https://login.microsoftonline.com/{tenantid}/v2.0`): the tenants
   * whose tokens are accepted, required (never any tenant). Each token's `tenantClaim` must name
   * the tenant of its `iss`. A template needs `jwksUri`.
   */
  tenants?: readonly string[];
  /** The claim that names a token's tenant, for an issuer template. Default `tid` (Entra ID). */
  tenantClaim?: string;
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

/** The options of `TokenGuardOptions` that say which tokens are valid, as this module reads them. */
interface JwtOptions {
  issuer?: string | readonly string[];
  issuers?: readonly IssuerOptions[];
  audience?: string | readonly string[];
  jwksUri?: string;
  algorithms?: readonly JwsAlgorithm[];
  secret?: string | Uint8Array | KeyObject;
  clockTolerance?: number;
  maxTokenAge?: number;
  accessTokenProfile?: 'rfc9068';
  tokenTypes?: readonly string[];
  jwks?: JwksOptions;
  clientIdClaim?: string | readonly string[];
  scopeClaims?: readonly ScopeClaim[];
  clientBinding?: unknown;
}

/** A trusted issuer, validated; its key source is built from it. */
export interface IssuerSettings {
  readonly issuer: string;
  readonly jwksUri: string | undefined;
  readonly audiences: ReadonlySet<string>;
  readonly algorithms: ReadonlySet<JwsAlgorithm>;
  /** From an issuer template: the tenant the token's tenant claim must name. */
  readonly tenant?: ExpandedIssuer['tenant'];
}

/** An issuer as the guard uses it. */
export interface ResolvedIssuer extends IssuerSettings {
  readonly keySource: KeySource | undefined;
  readonly secret: KeyHandle | undefined;
  readonly metadata: MetadataSource;
  /** A SPIFFE trust domain (its bundle verifies JWT-SVIDs), not an OAuth issuer. */
  readonly trustDomain?: string;
}

/** What verifying a token against the trusted issuers needs. */
export interface JwtConfig {
  readonly issuers: ReadonlyMap<string, ResolvedIssuer>;
  /** All algorithms any issuer accepts: a token with another `alg` is rejected before parsing its payload. */
  readonly algorithms: ReadonlySet<JwsAlgorithm>;
  readonly clockTolerance: number;
  readonly maxTokenAge: number | undefined;
  /** `accessTokenProfile: 'rfc9068'`: `typ: at+jwt` and every RFC 9068 §2.2 claim required. */
  readonly requireAtJwt: boolean;
  readonly tokenTypes: ReadonlySet<string>;
  /** The guard's `claims` rules: a token that fails one is not valid. */
  readonly validityRules: readonly CompiledClaimRule[];
  readonly clock: () => number;
  /** Multi-tenant issuers, to tell a tenant that is not allowed from an unknown issuer. */
  readonly issuerTemplates: readonly IssuerTemplate[];
  readonly claimMapping: ClaimMapping;
  readonly clientBinding: ResolvedClientBinding | undefined;
  /** SPIFFE trust domains for JWT-SVIDs, when configured. */
  readonly spiffe: SpiffeConfig<ResolvedIssuer> | undefined;
}

/** The token rules, validated, before any key source exists. */
export interface JwtSettings {
  readonly issuers: readonly IssuerSettings[];
  readonly algorithms: ReadonlySet<JwsAlgorithm>;
  readonly secret: KeyHandle | undefined;
  readonly jwks: KeySourceLimits;
  readonly clockTolerance: number;
  readonly maxTokenAge: number | undefined;
  readonly requireAtJwt: boolean;
  readonly tokenTypes: ReadonlySet<string>;
  readonly issuerTemplates: readonly IssuerTemplate[];
  readonly claimMapping: ClaimMapping;
  readonly clientBinding: ResolvedClientBinding | undefined;
}

function resolveAlgorithms(
  options: JwtOptions,
  secret: KeyHandle | undefined,
): readonly JwsAlgorithm[] {
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
    checkSecretFor(alg, secret, 'algorithms');
  }
  return algorithms;
}

/** `issuer` and `issuers` as one list, each with the option path to name in errors. */
function issuerEntries(
  options: JwtOptions,
  allowNone: boolean,
): Array<{ entry: IssuerOptions; name: string }> {
  const entries: Array<{ entry: IssuerOptions; name: string }> = [];
  for (const issuer of list(options.issuer, 'issuer')) {
    entries.push({ entry: { issuer }, name: 'issuer' });
  }
  if (options.issuers !== undefined) {
    if (!Array.isArray(options.issuers)) {
      fail('"issuers" must be an array of { issuer, jwksUri?, audience?, algorithms? }');
    }
    options.issuers.forEach((entry, i) => {
      if (typeof entry !== 'object' || entry === null || typeof entry.issuer !== 'string') {
        fail(`"issuers[${i}].issuer" is required`);
      }
      entries.push({ entry, name: `issuers[${i}]` });
    });
  }
  if (entries.length === 0 && !allowNone) fail('"issuer" is required (or "issuers")');
  if (options.jwksUri !== undefined) {
    if (entries.length !== 1) {
      fail('"jwksUri" needs exactly one issuer; use "issuers: [{ issuer, jwksUri }]" for several');
    }
    const only = entries[0]!;
    entries[0] = { entry: { ...only.entry, jwksUri: options.jwksUri }, name: only.name };
  }
  return entries;
}

function resolveJwksLimits(jwks: JwksOptions | undefined = {}): KeySourceLimits {
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
  return limits;
}

/**
 * Validates the options that decide which tokens are valid — issuers, audiences, algorithms, the
 * shared secret, JWKS limits, times and types — with a `TypeError` naming the option.
 */
export function resolveJwt(
  options: JwtOptions,
  allowInsecure: boolean,
  spiffe: boolean,
): JwtSettings {
  const secret = resolveSecret(options.secret);
  const algorithms = resolveAlgorithms(options, secret);
  const audiences = list(options.audience, 'audience');
  const clientBinding = resolveClientBinding(options.clientBinding);
  const entries = issuerEntries(options, spiffe);
  const issuerTemplates: IssuerTemplate[] = [];
  const optionName = (name: string, member: string) =>
    name === 'issuer' ? member : `${name}.${member}`;
  const jwks = resolveJwksLimits(options.jwks);

  const issuers: IssuerSettings[] = [];
  const allAlgorithms = new Set<JwsAlgorithm>();
  for (const { entry, name } of entries) {
    checkUrl(entry.issuer, optionName(name, 'issuer'), allowInsecure);
    const expanded = expandIssuerEntry(entry, (member) => optionName(name, member));
    if (expanded.template !== undefined) issuerTemplates.push(expanded.template);
    if (expanded.issuers.some(({ issuer }) => issuers.some((known) => known.issuer === issuer))) {
      fail(`"${optionName(name, 'issuer')}" is listed twice`);
    }
    if (entry.jwksUri !== undefined) {
      if (typeof entry.jwksUri !== 'string')
        fail(`"${optionName(name, 'jwksUri')}" must be a URL string`);
      checkUrl(entry.jwksUri, optionName(name, 'jwksUri'), allowInsecure);
    }
    const aud =
      entry.audience === undefined ? audiences : list(entry.audience, optionName(name, 'audience'));
    if (aud.length === 0 && clientBinding === undefined)
      fail('"audience" is required: the identifier of this API that tokens must be issued for');
    const algs = entry.algorithms === undefined ? algorithms : entry.algorithms;
    if (!Array.isArray(algs) || algs.length === 0 || !algs.every(isJwsAlgorithm)) {
      fail(`"${optionName(name, 'algorithms')}" must be a non-empty array of supported algorithms`);
    }
    for (const alg of algs) {
      checkSecretFor(alg, secret, optionName(name, 'algorithms'));
      allAlgorithms.add(alg);
    }
    for (const { issuer, tenant } of expanded.issuers) {
      const settings = {
        issuer,
        jwksUri: entry.jwksUri,
        audiences: new Set(aud),
        algorithms: new Set(algs),
      };
      issuers.push(tenant === undefined ? settings : { ...settings, tenant });
    }
  }
  if (spiffe) for (const alg of algorithms) allAlgorithms.add(alg);

  const clockTolerance = seconds(options.clockTolerance, 'clockTolerance', 30, 300);
  const maxTokenAge =
    options.maxTokenAge === undefined ? undefined : seconds(options.maxTokenAge, 'maxTokenAge', 0);
  if (options.accessTokenProfile !== undefined && options.accessTokenProfile !== 'rfc9068') {
    fail('"accessTokenProfile" must be "rfc9068" or left out');
  }
  const tokenTypes = new Set(['at+jwt']);
  for (const typ of list(options.tokenTypes, 'tokenTypes')) tokenTypes.add(normalizeTyp(typ));
  return {
    issuers,
    algorithms: allAlgorithms,
    secret,
    jwks,
    clockTolerance,
    maxTokenAge,
    requireAtJwt: options.accessTokenProfile === 'rfc9068',
    tokenTypes,
    issuerTemplates,
    claimMapping: resolveClaimMapping(options),
    clientBinding,
  };
}

/** RFC 7515 §4.1.9: `typ` compares case-insensitively and may omit `application/`. */
export function normalizeTyp(typ: string): string {
  const lower = typ.toLowerCase();
  return lower.startsWith('application/') ? lower.slice('application/'.length) : lower;
}
