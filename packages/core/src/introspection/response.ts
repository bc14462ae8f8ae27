import { InvalidTokenError } from '../errors.js';
import { isJwsAlgorithm } from '../jws/algorithms.js';
import { isJwsShaped, parseJws } from '../jws/parse.js';
import { verifyJwsSignature } from '../jws/verify.js';
import type { ResolvedIssuer } from '../jwt/options.js';
import { UpstreamError } from '../lib/http-client.js';
import { isJsonObject, type JsonObject, own } from '../lib/json.js';

/** The media type of a signed introspection answer (RFC 9701 §4). */
export const JWT_RESPONSE_TYPE = 'application/token-introspection+jwt';

/**
 * What a non-200 introspection status says. `outage`: the server is down, overloaded (429) or
 * replaced by something that is not it (a redirect to a maintenance page, an odd 2xx); this
 * alone starts the failure backoff. `client_refused` (401, 403, 407: our client credentials) and
 * `misconfigured` (404, 405, 406, 415: our endpoint or request): 503, no backoff. `refused`: any
 * other 4xx is about this request, so this token (400, 413, 422, …): 401 for it, no backoff —
 * a made-up token can provoke these, and must not take every other token down with it.
 */
export function statusVerdict(
  status: number,
): 'outage' | 'refused' | 'client_refused' | 'misconfigured' {
  if (status < 400 || status >= 500 || status === 429) return 'outage';
  if (status === 401 || status === 403 || status === 407) return 'client_refused';
  if (status === 404 || status === 405 || status === 406 || status === 415) return 'misconfigured';
  return 'refused';
}

function mediaType(contentType: string): string {
  return (contentType.split(';')[0] ?? '').trim().toLowerCase();
}

/** A JSON introspection answer: its members, and its text (what the answer cache keeps). */
export function readJsonResponse(
  contentType: string,
  body: Buffer,
): { claims: JsonObject; text: string } {
  if (mediaType(contentType) !== 'application/json') throw new UpstreamError('content_type');
  const text = body.toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new UpstreamError('invalid_json');
  }
  if (!isJsonObject(value)) throw new UpstreamError('invalid_json');
  return { claims: value, text };
}

/**
 * Reads a signed introspection answer (RFC 9701): `application/token-introspection+jwt`, a compact
 * JWS with `typ: token-introspection+jwt` and an `alg` the issuer may use, signed with one of the
 * issuer's keys, `iss` the issuer and `aud` our client id. Its `token_introspection` member is
 * the answer. A signature or claim that does not check out is an `InvalidTokenError` (the caller
 * treats the endpoint as untrustworthy: 503); anything else malformed is an `UpstreamError`.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9701#section-5
 */
export async function readJwtResponse(
  contentType: string,
  body: Buffer,
  issuer: ResolvedIssuer,
  clientId: string,
): Promise<JsonObject> {
  if (mediaType(contentType) !== JWT_RESPONSE_TYPE) throw new UpstreamError('content_type');
  const text = body.toString('utf8').trim();
  if (!isJwsShaped(text)) throw new UpstreamError('invalid_json');
  const jws = parseJws(text);
  const alg = own(jws.header, 'alg');
  if (!isJwsAlgorithm(alg) || !issuer.algorithms.has(alg)) {
    throw new InvalidTokenError('jwt_response.alg');
  }
  const typ = own(jws.header, 'typ');
  if (typeof typ !== 'string' || !/^(application\/)?token-introspection\+jwt$/i.test(typ)) {
    throw new InvalidTokenError('jwt_response.typ');
  }
  const kid = own(jws.header, 'kid');
  await verifyJwsSignature(jws, alg, typeof kid === 'string' ? kid : undefined, issuer);
  if (own(jws.payload, 'iss') !== issuer.issuer) throw new InvalidTokenError('jwt_response.iss');
  const aud = own(jws.payload, 'aud');
  if (!(aud === clientId || (Array.isArray(aud) && aud.includes(clientId)))) {
    throw new InvalidTokenError('jwt_response.aud');
  }
  const inner = own(jws.payload, 'token_introspection');
  if (!isJsonObject(inner)) throw new UpstreamError('invalid_json');
  return inner;
}
