import { InvalidTokenError } from '../errors.js';
import { decodeCheckedBase64url, hasCanonicalLength } from '../lib/base64url.js';
import { deepFreeze, type JsonObject, parseJsonObject } from '../lib/json.js';

/** A compact JWS split into parts, not yet trusted. */
export interface ParsedJws {
  header: JsonObject;
  payload: JsonObject;
  signingInput: Buffer;
  signature: Buffer;
}

const JWS_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
const JWE_SHAPE =
  /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** Whether a token has the compact JWS shape (three base64url segments). */
export function isJwsShaped(token: string): boolean {
  return JWS_SHAPE.test(token);
}

/**
 * Whether a token that is not a compact JWS is meant as one: three segments whose first decodes,
 * read leniently (standard alphabet, padding), as a JSON object with an `alg`. Such a token is a
 * malformed JWT, never an opaque token to introspect: an authorization server that decodes
 * leniently could otherwise vouch for it and bypass the JWT-only checks.
 */
export function isNearJws(token: string): boolean {
  const first = token.indexOf('.');
  const second = token.indexOf('.', first + 1);
  if (first <= 0 || second < 0 || token.indexOf('.', second + 1) >= 0) return false;
  try {
    const header: unknown = JSON.parse(Buffer.from(token.slice(0, first), 'base64').toString());
    return typeof header === 'object' && header !== null && Object.hasOwn(header, 'alg');
  } catch {
    return false;
  }
}

/** Whether a token has the compact JWE shape (five segments): an encrypted token. */
export function isJweShaped(token: string): boolean {
  return JWE_SHAPE.test(token);
}

// Tokens from one issuer key share their header, and so do the proofs of one DPoP key: the header
// is decoded and parsed once, then read from here (frozen: every token that has it shares it).
// Only well-formed headers enter; a flood of distinct ones empties it rather than growing it.
const HEADERS_KEPT = 128;
const headers = new Map<string, JsonObject>();

function parseHeader(part: string): JsonObject | undefined {
  let header = headers.get(part);
  if (header !== undefined) return header;
  const bytes = decodeCheckedBase64url(part);
  if (bytes === undefined) return undefined;
  header = parseJsonObject(bytes);
  if (header === undefined) return undefined;
  if (headers.size >= HEADERS_KEPT) headers.clear();
  headers.set(part, deepFreeze(header));
  return header;
}

/**
 * Splits and decodes a token that matched {@link isJwsShaped} (so its alphabet is base64url),
 * strictly: canonical base64url, strict UTF-8 JSON objects without repeated member names. Throws
 * `InvalidTokenError` when malformed. The same parser reads access tokens, DPoP proofs and signed
 * introspection answers (RFC 9701).
 *
 * @see https://www.rfc-editor.org/rfc/rfc7515#section-7.1
 */
export function parseJws(token: string): ParsedJws {
  const first = token.indexOf('.');
  const second = token.indexOf('.', first + 1);
  const headerPart = token.slice(0, first);
  const payloadPart = token.slice(first + 1, second);
  const signaturePart = token.slice(second + 1);
  const payloadBytes = decodeCheckedBase64url(payloadPart);
  if (
    !hasCanonicalLength(headerPart) ||
    payloadBytes === undefined ||
    !hasCanonicalLength(signaturePart)
  ) {
    throw new InvalidTokenError('jwt.encoding');
  }
  const header = parseHeader(headerPart);
  if (header === undefined) throw new InvalidTokenError('jwt.header_malformed');
  const payload = parseJsonObject(payloadBytes);
  if (payload === undefined) throw new InvalidTokenError('jwt.payload_malformed');
  return {
    header,
    payload,
    signingInput: Buffer.from(token.slice(0, second), 'ascii'),
    signature: Buffer.from(signaturePart, 'base64url'),
  };
}
