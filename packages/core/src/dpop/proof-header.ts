import { type ExtractedToken, startsWithLower } from '../bearer/extract-token.js';
import { InvalidDpopProofError, InvalidRequestError, InvalidTokenError } from '../errors.js';
import type { IncomingRequest, RequestHeaders } from '../request.js';
import type { ResolvedDpop } from './options.js';

/**
 * The DPoP header value of a request, when there is exactly one. Node joins repeated headers of
 * unknown names with ", ", and a compact JWS never contains a comma; `rawHeaders` tells for sure.
 */
export function readProofHeader(
  headers: RequestHeaders,
  rawHeaders: readonly string[] | undefined,
): string | undefined {
  const value = headers.dpop;
  if (value === undefined) return undefined;
  if (typeof value !== 'string') {
    if (value.length !== 1) throw new InvalidDpopProofError('dpop.multiple_headers');
    return value[0];
  }
  if (value.includes(',')) throw new InvalidDpopProofError('dpop.multiple_headers');
  if (rawHeaders !== undefined) {
    let count = 0;
    for (let i = 0; i < rawHeaders.length; i += 2) {
      const name = rawHeaders[i];
      if (name !== undefined && name.length === 4 && startsWithLower(name, 'dpop')) count++;
    }
    if (count > 1) throw new InvalidDpopProofError('dpop.multiple_headers');
  }
  return value;
}

/**
 * The request's DPoP proof when it carries one that goes with its credentials (the `DPoP` scheme),
 * `undefined` when it carries none and needs none. Throws for a proof where none belongs (no
 * token, the `Bearer` scheme), none where one must be (the `DPoP` scheme), and a `Bearer` token
 * when DPoP is required.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-7.1
 */
export function proofFor(
  request: IncomingRequest,
  extracted: ExtractedToken | undefined,
  settings: Pick<ResolvedDpop, 'mode'>,
): string | undefined {
  const proof = readProofHeader(request.headers, request.rawHeaders);
  if (extracted === undefined) {
    // A proof with no token to go with it is a confused client, not an anonymous one.
    if (proof !== undefined) throw new InvalidRequestError('dpop.proof_without_token');
    return undefined;
  }
  if (extracted.scheme === 'Bearer') {
    if (proof !== undefined) throw new InvalidRequestError('dpop.proof_with_bearer');
    if (settings.mode === 'required') throw new InvalidTokenError('dpop.required');
    return undefined;
  }
  // A missing parameter, not a bad proof (RFC 6750 §3.1).
  if (proof === undefined) throw new InvalidRequestError('dpop.proof_missing');
  return proof;
}
