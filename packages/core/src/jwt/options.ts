import { createSecretKey, KeyObject } from 'node:crypto';
import type { CompiledClaimRule } from '../authorize/claims.js';
import type { MetadataSource } from '../discovery/metadata-source.js';
import {
  ALGORITHMS,
  ASYMMETRIC_ALGORITHMS,
  isJwsAlgorithm,
  isSymmetric,
  type JwsAlgorithm,
} from '../jws/algorithms.js';
import type { KeyHandle } from '../jws/jwk.js';
import { checkUrl, fail, list, seconds } from '../lib/validate.js';
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
}

/** A trusted issuer, validated; its key source is built from it. */
export interface IssuerSettings {
  readonly issuer: string;
  readonly jwksUri: string | undefined;
  readonly audiences: ReadonlySet<string>;
  readonly algorithms: ReadonlySet<JwsAlgorithm>;
}

/** An issuer as the guard uses it. */
export interface ResolvedIssuer extends IssuerSettings {
  readonly keySource: KeySource | undefined;
  readonly secret: KeyHandle | undefined;
  readonly metadata: MetadataSource;
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
}

// RFC 7518 §3.2: an HMAC key at least as long as the hash output.
const HS_MIN_BYTES = { HS256: 32, HS384: 48, HS512: 64 } as const;

function resolveSecret(secret: JwtOptions['secret']): KeyHandle | undefined {
  if (secret === undefined) return undefined;
  let key: KeyObject;
  if (secret instanceof KeyObject) {
    if (secret.type !== 'secret') fail('"secret" must be a secret KeyObject');
    key = secret;
  } else if (typeof secret === 'string' || secret instanceof Uint8Array) {
    key = createSecretKey(typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret);
  } else {
    return fail('"secret" must be a string, a Uint8Array or a secret KeyObject');
  }
  return {
    kid: undefined,
    alg: undefined,
    family: 'oct',
    key,
    identity: 'secret',
    unusable: undefined,
    active: true,
  };
}

/** An HS algorithm needs a secret at least as long as its hash (RFC 7518 §3.2). */
function checkSecretFor(alg: JwsAlgorithm, secret: KeyHandle | undefined, where: string): void {
  if (!isSymmetric(alg)) return;
  if (!secret) fail(`"${where}" contains ${alg}, which requires "secret"`);
  const minBytes = HS_MIN_BYTES[alg as keyof typeof HS_MIN_BYTES];
  if ((secret?.key.symmetricKeySize ?? 0) < minBytes) {
    fail(
      where === 'algorithms'
        ? `"secret" must be at least ${minBytes} bytes for ${alg} (RFC 7518 §3.2)`
        : `"secret" must be at least ${minBytes} bytes for ${alg} in "${where}" (RFC 7518 §3.2)`,
    );
  }
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
function issuerEntries(options: JwtOptions): Array<{ entry: IssuerOptions; name: string }> {
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
  if (entries.length === 0) fail('"issuer" is required (or "issuers")');
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
export function resolveJwt(options: JwtOptions, allowInsecure: boolean): JwtSettings {
  const secret = resolveSecret(options.secret);
  const algorithms = resolveAlgorithms(options, secret);
  const audiences = list(options.audience, 'audience');
  const entries = issuerEntries(options);
  const optionName = (name: string, member: string) =>
    name === 'issuer' ? member : `${name}.${member}`;
  const jwks = resolveJwksLimits(options.jwks);

  const issuers: IssuerSettings[] = [];
  const allAlgorithms = new Set<JwsAlgorithm>();
  for (const { entry, name } of entries) {
    checkUrl(entry.issuer, optionName(name, 'issuer'), allowInsecure);
    if (issuers.some((known) => known.issuer === entry.issuer)) {
      fail(`"${optionName(name, 'issuer')}" is listed twice`);
    }
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
      checkSecretFor(alg, secret, optionName(name, 'algorithms'));
      allAlgorithms.add(alg);
    }
    issuers.push({
      issuer: entry.issuer,
      jwksUri: entry.jwksUri,
      audiences: new Set(aud),
      algorithms: new Set(algs),
    });
  }

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
  };
}

/** RFC 7515 §4.1.9: `typ` compares case-insensitively and may omit `application/`. */
export function normalizeTyp(typ: string): string {
  const lower = typ.toLowerCase();
  return lower.startsWith('application/') ? lower.slice('application/'.length) : lower;
}
