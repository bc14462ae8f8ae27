// Main-entry types by the package's own name, so that the diagnose entry's declarations refer to
// the main entry's instead of repeating them (as the adapter entry does).
import type {
  AuthContext,
  AuthError,
  AuthRequirements,
  DetailValue,
  RejectionDetails,
  TokenGuard,
  UpstreamError,
  UpstreamFacts,
} from '@tokenguard/core';
import { configOf, type GuardConfig } from '../construct.js';
import { upstreamOf } from '../diagnostics.js';
import { isAuthError } from '../errors.js';
import { isJwsShaped, parseJws } from '../jws/parse.js';
import { excerpt } from '../lib/excerpt.js';
import { type JsonObject, own } from '../lib/json.js';
import { loggableUrl, UpstreamError as UpstreamFailure } from '../upstream-error.js';
import { CHECK_TITLES, type CheckName, checkOf, checkOrder } from './checks.js';

/** One check of a token, as the guard ran it. */
export interface DiagnosisCheck {
  readonly check: CheckName;
  readonly title: string;
  /** `skipped`: not run, because an earlier check failed. */
  readonly outcome: 'pass' | 'fail' | 'skipped';
  /** For a check that passed: what the token carried (an excerpt), for display. */
  readonly value?: DetailValue;
  /** For the check that failed: the guard's reason code and its facts. */
  readonly reason?: string;
  readonly details?: RejectionDetails;
}

/** What the guard decided about a token, check by check. Holds no token. */
export interface Diagnosis {
  readonly ok: boolean;
  readonly format: 'jwt' | 'opaque';
  readonly checks: readonly DiagnosisCheck[];
  /** The rejection, as a request would get it (its `description` is what the client is told). */
  readonly rejection?: {
    readonly status: number;
    readonly code: string;
    readonly reason: string;
    readonly description: string;
    readonly details?: RejectionDetails;
    readonly upstream?: UpstreamFacts;
  };
  /** The verified principal, when the token passed. */
  readonly principal?: {
    readonly issuer: string;
    readonly subject?: string;
    readonly clientId?: string;
    readonly principalId?: string;
    readonly scopes: readonly string[];
    readonly expiresAt?: string;
  };
}

/** A DPoP proof to check with the token, against the request it was made for. */
export interface DiagnoseDpop {
  readonly proof: string;
  readonly method: string;
  /** The URL the client called (the proof's `htu` must name it, without query and fragment). */
  readonly url: string;
}

function configFor(guard: TokenGuard): GuardConfig {
  const config = configOf(guard);
  if (config === undefined)
    throw new TypeError('tokenguard: expected a guard from createTokenGuard()');
  return config;
}

function decode(token: string): { header: JsonObject; payload: JsonObject } | undefined {
  try {
    const { header, payload } = parseJws(token);
    return { header, payload };
  } catch {
    return undefined;
  }
}

function shown(
  check: CheckName,
  format: 'jwt' | 'opaque',
  header: JsonObject | undefined,
  claims: JsonObject | undefined,
  auth: AuthContext | undefined,
): DetailValue | undefined {
  const claim = (name: string) => (claims === undefined ? undefined : excerpt(own(claims, name)));
  switch (check) {
    case 'format':
      return format === 'jwt' ? 'JWT' : 'opaque';
    case 'alg':
    case 'typ':
      return header === undefined ? undefined : excerpt(own(header, check));
    case 'key':
      return header === undefined ? undefined : excerpt(own(header, 'kid'));
    case 'iss':
    case 'aud':
    case 'exp':
    case 'nbf':
    case 'iat':
      return claim(check);
    case 'active':
      return true;
    case 'scope':
      return auth === undefined ? claim('scope') : excerpt([...auth.scopes]);
    default:
      return undefined;
  }
}

/**
 * Runs a token through a guard — `verify()`, or `authenticate()` with a DPoP proof for the given
 * method and URL — and reports each check in the order the guard runs them: passed, failed (with
 * the reason code and the facts of `AuthError.details`) or skipped. The decisions are the
 * guard's own; this only lays them out, for the token doctor. Values shown for passed checks are
 * excerpts; the token and the proof are never part of the result.
 *
 * @example
 * ```ts
 * const diagnosis = await diagnoseToken(guard, token, { requirements: { scopes: ['orders:read'] } });
 * for (const check of diagnosis.checks) console.log(check.outcome, check.title, check.details);
 * ```
 */
export async function diagnoseToken(
  guard: TokenGuard,
  token: string,
  options: { requirements?: AuthRequirements; dpop?: DiagnoseDpop } = {},
): Promise<Diagnosis> {
  const config = configFor(guard);
  const { requirements, dpop } = options;
  const format = isJwsShaped(token) ? 'jwt' : 'opaque';
  const decoded = format === 'jwt' ? decode(token) : undefined;
  const order = checkOrder(format, {
    dpop: dpop !== undefined,
    introspectJwt: config.introspection?.mode === 'always' || requirements?.introspect === true,
  });
  let auth: AuthContext | undefined;
  let error: AuthError | undefined;
  try {
    auth =
      dpop === undefined
        ? await guard.verify(token, requirements)
        : await guard.authenticate(
            {
              method: dpop.method,
              url: dpop.url,
              headers: { authorization: `DPoP ${token}`, dpop: dpop.proof },
            },
            { ...requirements, optional: false },
          );
  } catch (caught) {
    if (!isAuthError(caught)) throw caught;
    error = caught;
  }
  const failed = error === undefined ? undefined : checkOf(error.reason);
  let at = failed === undefined ? order.length : order.indexOf(failed);
  if (at < 0) {
    order.push(failed as CheckName);
    at = order.length - 1;
  }
  const claims = (auth?.claims as JsonObject | undefined) ?? decoded?.payload;
  const checks = order.map((check, i): DiagnosisCheck => {
    const title = CHECK_TITLES[check];
    if (i > at) return { check, title, outcome: 'skipped' };
    if (i === at && error !== undefined) {
      return {
        check,
        title,
        outcome: 'fail',
        reason: error.reason,
        ...(error.details !== undefined && { details: error.details }),
      };
    }
    const value = shown(check, format, decoded?.header, claims, auth);
    return { check, title, outcome: 'pass', ...(value !== undefined && { value }) };
  });
  if (error !== undefined) {
    const upstream = upstreamOf(error);
    return {
      ok: false,
      format,
      checks,
      rejection: {
        status: error.status,
        code: error.code,
        reason: error.reason,
        description: error.description,
        ...(error.details !== undefined && { details: error.details }),
        ...(upstream !== undefined && { upstream }),
      },
    };
  }
  const principal = auth as AuthContext;
  return {
    ok: true,
    format,
    checks,
    principal: {
      issuer: principal.issuer,
      ...(principal.subject !== undefined && { subject: principal.subject }),
      ...(principal.clientId !== undefined && { clientId: principal.clientId }),
      ...(principal.principalId !== undefined && { principalId: principal.principalId }),
      scopes: [...principal.scopes],
      ...(principal.expiresAt !== undefined && { expiresAt: principal.expiresAt.toISOString() }),
    },
  };
}

/** One upstream endpoint of a guard, fetched now. */
export interface UpstreamCheck {
  readonly endpoint: 'discovery' | 'jwks' | 'introspection';
  readonly issuer: string;
  readonly outcome: 'pass' | 'fail' | 'skipped';
  /** The URL (without credentials or query), when known. */
  readonly url?: string;
  /** For the JWKS: how many keys it has, and their ids. */
  readonly keys?: number;
  readonly kids?: readonly string[];
  /** For a failure: what went wrong (URL, cause code, HTTP status, and for a metadata `issuer` that is not ours, the facts). */
  readonly error?: UpstreamError;
}

async function attempt(run: () => Promise<unknown>): Promise<UpstreamError | undefined> {
  try {
    await run();
    return undefined;
  } catch (error) {
    if (error instanceof UpstreamFailure) return error;
    throw error;
  }
}

/**
 * Fetches what the guard needs from each issuer now, as the token doctor reports it: the
 * discovery metadata (unless `jwksUri` is set), the JWKS, and where the introspection endpoint
 * is (it is not called: that needs a token).
 */
export async function checkUpstream(guard: TokenGuard): Promise<UpstreamCheck[]> {
  const config = configFor(guard);
  const results: UpstreamCheck[] = [];
  for (const issuer of config.issuers.values()) {
    const name = issuer.issuer;
    let discovered = true;
    if (issuer.jwksUri === undefined || config.introspection?.endpoint === undefined) {
      const error = await attempt(() => issuer.metadata.get());
      discovered = error === undefined;
      results.push({
        endpoint: 'discovery',
        issuer: name,
        outcome: discovered ? 'pass' : 'fail',
        ...(error !== undefined && { error, ...(error.url !== undefined && { url: error.url }) }),
      });
    }
    const keys = issuer.keySource;
    if (keys !== undefined) {
      if (!discovered && issuer.jwksUri === undefined) {
        results.push({ endpoint: 'jwks', issuer: name, outcome: 'skipped' });
      } else {
        const error = await attempt(() => keys.warmUp());
        const url = error?.url ?? loggableUrl(keys.uri);
        results.push({
          endpoint: 'jwks',
          issuer: name,
          outcome: error === undefined ? 'pass' : 'fail',
          ...(url !== undefined && { url }),
          ...(error === undefined ? keys.loaded : { error }),
        });
      }
    }
    const introspection = config.introspection;
    if (introspection?.issuer === name) {
      let url = introspection.endpoint;
      const error =
        url !== undefined || !discovered
          ? undefined
          : await attempt(async () => {
              url = await issuer.metadata.introspectionEndpoint();
            });
      results.push({
        endpoint: 'introspection',
        issuer: name,
        outcome: url !== undefined ? 'pass' : discovered ? 'fail' : 'skipped',
        ...(url !== undefined && { url: loggableUrl(url) }),
        ...(error !== undefined && { error }),
      });
    }
  }
  return results;
}
