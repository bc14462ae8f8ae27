import type { DetailValue, RejectionDetails, UpstreamFacts } from '@tokenguard/core';
import type { LoadedOptions } from './options.js';

// The fix lines: what to change, and where. Presentation only: every decision (what was wrong,
// what was expected, what the token carried) is core's, read from its reason codes and details.

const show = (value: DetailValue | undefined): string =>
  value === undefined || value === null ? 'absent' : JSON.stringify(value);

/** `"a"`, or `"a", "b"` for a list. */
function listed(value: DetailValue | undefined): string {
  return Array.isArray(value) ? value.map((v) => JSON.stringify(v)).join(', ') : show(value);
}

const first = (value: DetailValue | undefined): string | undefined =>
  Array.isArray(value) ? (value.length === 1 ? String(value[0]) : undefined) : (value as string);

/** The fix for a trailing slash, when that is all that differs. */
function slash(actual: string, expected: string): string | undefined {
  if (actual === `${expected}/`) return 'add the trailing slash';
  if (`${actual}/` === expected) return 'remove the trailing slash';
  return undefined;
}

function ago(details: RejectionDetails): string {
  const { actual, now } = details;
  if (typeof actual !== 'number' || now === undefined) return '';
  const delta = Math.round(now - actual);
  return delta >= 0 ? `${delta} s ago` : `in ${-delta} s`;
}

/** An upstream failure as the fix reads it: core's `UpstreamError`, or the facts of a 503. */
type Upstream = UpstreamFacts & { details?: RejectionDetails | undefined; summary?: string };

/** What to do about the upstream failure behind a check or a 503. */
export function upstreamFix(error: Upstream, where: LoadedOptions['where']): string {
  const url = error.url ?? 'the URL';
  const details = error.details;
  if (details?.field === 'issuer' && typeof details.actual === 'string') {
    const expected = String(details.expected);
    const fix = slash(details.actual, expected) ?? `set it to ${JSON.stringify(details.actual)}`;
    return `the metadata names issuer ${show(details.actual)} but ${where('issuer')} is ${JSON.stringify(expected)} — ${fix} (the issuer must match exactly, RFC 8414 §3.3)`;
  }
  if (details?.field === 'jwks_uri') {
    return `the issuer's metadata has no usable jwks_uri — set ${where('jwksUri')}`;
  }
  switch (error.code) {
    case 'ECONNREFUSED':
      return `nothing listens at ${url} — is the authorization server running, and is the URL right?`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `the host of ${url} does not resolve — check the URL (${where(error.endpoint === 'jwks' ? 'jwksUri' : 'issuer')}) and DNS`;
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return `no answer from ${url} in time — check the network path (proxy, firewall), or raise ${where('jwks.timeout')}`;
    default:
      break;
  }
  if (error.status === 404) {
    return `${url} does not exist — check ${where(error.endpoint === 'introspection' ? 'introspection.endpoint' : error.endpoint === 'jwks' ? 'jwksUri' : 'issuer')}`;
  }
  if (error.status === 401 || error.status === 403) {
    return `${url} refuses this API's client — check ${where('introspection.clientId')} and ${where('introspection.clientSecret')}`;
  }
  if (error.failure === 'insecure_url') {
    return `${url} is plain http outside loopback — use https (or, never in production, ${where('allowInsecureRequests')})`;
  }
  if (error.failure === 'redirect') {
    return `${url} redirects, and tokenguard follows no redirect — use the URL it redirects to`;
  }
  const what =
    error.summary ?? (error.status === undefined ? error.failure : `HTTP ${error.status}`);
  return `${url} did not answer with what tokenguard needs (${what}) — check the URL and the server`;
}

/**
 * The fix line for a failed check, from its reason and details, naming the option to change
 * where one would fix it. `undefined` when there is nothing more to say than the check itself.
 */
export function checkFix(
  reason: string,
  details: RejectionDetails | undefined,
  upstream: Upstream | undefined,
  where: LoadedOptions['where'],
): string | undefined {
  if (upstream !== undefined) return upstreamFix(upstream, where);
  const d = details;
  switch (reason) {
    case 'jwt.iss': {
      const actual = String(d?.actual);
      const expected = first(d?.expected);
      const fix =
        (expected === undefined ? undefined : slash(actual, expected)) ??
        `if ${show(d?.actual)} is your authorization server, add it to ${where('issuer')} (comma-separated)`;
      return `iss is ${show(d?.actual)} but ${where('issuer')} is ${listed(d?.expected)} — ${fix}`;
    }
    case 'jwt.iss_missing':
      return 'the token has no iss — it is not an access token of an OAuth 2.0 authorization server';
    case 'jwt.aud':
      return `aud is ${show(d?.actual)} but ${where('audience')} is ${listed(d?.expected)} — ask the authorization server for a token for this API (its audience or resource parameter); if this API is ${show(first(d?.actual as DetailValue))}, set ${where('audience')}`;
    case 'jwt.aud_missing':
      return `the token has no aud — ask the authorization server for a token for ${listed(d?.expected)} (its audience or resource parameter, RFC 8707)`;
    case 'jwt.aud_binding.client_id_missing':
      return `the token has no aud and no client id — the client binding (${where('clientBinding')}) accepts a token without aud only from ${listed(d?.expected)}`;
    case 'jwt.aud_binding.client_id':
      return `the token has no aud, and its client id ${show(d?.actual)} is not one the client binding accepts (${listed(d?.expected)}) — if it is your client, add it to ${where('clientBinding')} (TOKENGUARD_COGNITO_CLIENT_IDS for Cognito)`;
    case 'jwt.typ':
      return `typ is ${show(d?.actual)} but only ${listed(d?.expected)} is accepted — if your authorization server issues such access tokens (Entra ID and Keycloak issue typ JWT), set ${where('tokenTypes')}=${String(d?.actual)}`;
    case 'jwt.typ_missing':
      return `the token has no typ, which accessTokenProfile rfc9068 requires — unset ${where('accessTokenProfile')}, or have the authorization server issue RFC 9068 access tokens (typ at+jwt)`;
    case 'jwt.id_token':
      return `the token carries ${String(d?.field)}: it is an ID token — send the access token instead`;
    case 'jwt.alg_none':
      return 'the token is not signed (alg none) — never accepted';
    case 'jwt.alg': {
      const alg = String(d?.actual);
      if (alg.startsWith('HS')) {
        return `alg is ${show(d?.actual)}, a shared-secret algorithm — set ${where('secret')} (and ${where('algorithms')}) only if your authorization server signs with a secret it shares with this API`;
      }
      return `alg is ${show(d?.actual)} but ${where('algorithms')} is ${listed(d?.expected)} — add ${alg} to ${where('algorithms')}`;
    }
    case 'jwks.kid_unknown':
      return `kid ${show(d?.actual)} is not in the JWKS (its kids: ${listed(d?.expected)}) — the token was signed by a key these keys do not include: check that ${where('jwksUri')} (or the issuer's discovery) points at the keys of the server that issued it, or wait for a key rotation to publish it`;
    case 'jwt.key_mismatch':
      return 'the key with this kid cannot verify this alg — the token names the wrong key or algorithm';
    case 'jwt.signature':
      return 'the signature does not verify — the token was altered, or signed by another server using the same kid';
    case 'jwt.expired':
      return `exp was ${ago(d ?? { field: 'exp' })}, beyond the clock tolerance of ${d?.clockTolerance} s — get a new token; if the clocks of the two servers disagree, sync them (NTP) or raise ${where('clockTolerance')} (at most 300)`;
    case 'jwt.not_yet_valid':
    case 'jwt.iat_future':
      return `${d?.field} is ${ago(d ?? { field: 'nbf' })}, beyond the clock tolerance of ${d?.clockTolerance} s — the clocks disagree: sync them (NTP), or raise ${where('clockTolerance')} (at most 300)`;
    case 'jwt.too_old':
      return `the token was issued ${ago(d ?? { field: 'iat' })}, more than maxTokenAge allows — get a new token, or raise ${where('maxTokenAge')}`;
    case 'authz.scope_missing':
      return `the token has the scopes ${listed(d?.actual)}; required: ${listed(d?.expected)} — ask the authorization server for ${listed(d?.expected)} (the scope parameter)`;
    case 'authz.claims':
    case 'jwt.claims':
      return d === undefined
        ? 'a claim rule does not hold'
        : `claim ${d.field} is ${show(d.actual)}; the rule expects ${show(d.expected)}`;
    case 'introspection.inactive':
      return 'the authorization server says the token is not active: expired, revoked, or not one it issued — get a new token';
    case 'introspection.refused':
      return 'the introspection endpoint refused to answer about this token — it is most likely not one of its tokens';
    case 'token.opaque_unsupported':
      return `the token is not a JWT, and opaque tokens need introspection — set ${where('introspection.clientId')} and ${where('introspection.clientSecret')}`;
    case 'request.token_malformed':
      return 'the input is not a token (spaces, or characters RFC 6750 does not allow) — give the access token alone';
    case 'request.token_too_long':
      return `the token is ${String(d?.actual ?? 'too')} characters long — raise ${where('maxTokenLength')} if your authorization server issues such tokens`;
    case 'dpop.bound_token_as_bearer':
      return 'the token is DPoP-bound (cnf.jkt) — check it with its proof: --dpop <proof-file> --method <METHOD> --url <URL>';
    case 'dpop.disabled':
      return `DPoP is off — set ${where('dpop.mode')}=allowed (or required)`;
    case 'dpop.htu':
      return `htu is ${show(d?.actual)} but the request URL is ${show(d?.expected)} — the client must sign the URL it calls (without query and fragment); behind a proxy, set ${where('publicUrl')} to this API's public URL`;
    case 'dpop.htm':
      return `htm is ${show(d?.actual)} but the method is ${show(d?.expected)} — the client must sign the method it uses`;
    case 'dpop.iat_old':
    case 'dpop.iat_future':
      return `the proof was made ${ago(d ?? { field: 'iat' })} — make a fresh proof for each request (they are valid for a minute)`;
    case 'dpop.ath':
    case 'dpop.ath_missing':
      return 'the proof is not for this token (ath) — make the proof with this access token';
    case 'dpop.key_binding':
      return 'the proof is signed by another key than the one the token is bound to (cnf.jkt)';
    case 'dpop.token_not_bound':
      return 'a proof came with a token that is not DPoP-bound — send it with the Bearer scheme, without a proof';
    default:
      if (reason.startsWith('jwt.aud_binding.')) {
        return `the token has no aud, and the client binding (${where('clientBinding')}) requires ${String(d?.field)} ${show(d?.expected)}; the token has ${show(d?.actual)} — send an access token (Cognito: token_use access, not an ID token)`;
      }
      if (reason.startsWith('mtls.')) {
        return 'the token is certificate-bound (RFC 8705) — the doctor has no TLS client certificate to check it with';
      }
      return undefined;
  }
}
