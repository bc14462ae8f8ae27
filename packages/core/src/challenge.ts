import {
  type AuthError,
  InsufficientScopeError,
  InsufficientUserAuthenticationError,
} from './errors.js';

/** What a guard's configuration contributes to every challenge. */
export interface ChallengeConfig {
  realm: string | undefined;
  /** RFC 9728 metadata URL, sent as `resource_metadata`. */
  resourceMetadata: string | undefined;
  /** Space-separated DPoP algorithms when DPoP is enabled. */
  dpopAlgs: string | undefined;
  /** In DPoP `required` mode the `Bearer` challenge is not offered. */
  dpopRequired: boolean;
}

/** RFC 9110 §5.6.4 quoted-string: escape the backslash and the double quote. */
export function quote(value: string): string {
  return `"${value.replace(/[\\"]/g, '\\$&')}"`;
}

function challenge(scheme: string, params: Array<[string, string | undefined]>): string {
  let out = scheme;
  let first = true;
  for (const [name, value] of params) {
    if (value === undefined) continue;
    out += `${first ? ' ' : ', '}${name}=${quote(value)}`;
    first = false;
  }
  return out;
}

/**
 * Builds the `WWW-Authenticate` value for an error: a `Bearer` challenge, plus a `DPoP` challenge
 * with `algs` when DPoP is enabled (only `DPoP` when it is required). The `error` attributes go
 * on the challenge of the scheme the client used, or on both when the request failed before its
 * scheme was known. Every value comes from configuration or from a
 * fixed set of sentences; nothing the client sent is reflected.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-7.1
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-5.1
 */
export function buildChallenge(
  error: AuthError | undefined,
  config: ChallengeConfig,
  scheme: 'Bearer' | 'DPoP' | undefined,
): string {
  const errorParams: Array<[string, string | undefined]> = [];
  if (error?.error !== undefined) {
    errorParams.push(['error', error.error], ['error_description', error.description]);
    if (error instanceof InsufficientScopeError && error.scopes.length > 0) {
      errorParams.push(['scope', error.scopes.join(' ')]);
    }
    if (error instanceof InsufficientUserAuthenticationError) {
      if (error.acrValues?.length) errorParams.push(['acr_values', error.acrValues.join(' ')]);
      if (error.maxAge !== undefined) errorParams.push(['max_age', String(error.maxAge)]);
    }
  }
  const realm: [string, string | undefined] = ['realm', config.realm];
  const metadata: [string, string | undefined] = ['resource_metadata', config.resourceMetadata];

  if (config.dpopAlgs === undefined) {
    return challenge('Bearer', [realm, ...errorParams, metadata]);
  }
  // The error goes on the challenge of the scheme the client used; when that is not known (two
  // Authorization headers, a proof without a token), on both, so a client of either scheme sees it.
  const errorOnDpop = scheme !== 'Bearer' || config.dpopRequired;
  const errorOnBearer = scheme !== 'DPoP';
  const dpop = challenge('DPoP', [
    realm,
    ...(errorOnDpop ? errorParams : []),
    ['algs', config.dpopAlgs],
    metadata,
  ]);
  if (config.dpopRequired) return dpop;
  const bearer = challenge('Bearer', [realm, ...(errorOnBearer ? errorParams : []), metadata]);
  return `${bearer}, ${dpop}`;
}
