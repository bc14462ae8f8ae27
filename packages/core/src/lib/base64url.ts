const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const BASE64URL = /^[A-Za-z0-9_-]*$/;

/**
 * Whether `input` is canonical unpadded base64url (RFC 7515 §2): only the URL-safe alphabet, no
 * padding, a length that some byte string encodes to, and zero bits after the last byte. Node's
 * decoder silently skips invalid characters and ignores trailing bits, so two different strings
 * would otherwise decode to the same bytes.
 */
export function isCanonicalBase64url(input: string): boolean {
  return BASE64URL.test(input) && hasCanonicalLength(input);
}

/**
 * The length and trailing-bit half of {@link isCanonicalBase64url}, for input whose alphabet was
 * already checked (a compact JWS that matched its shape).
 */
export function hasCanonicalLength(input: string): boolean {
  const rem = input.length % 4;
  if (rem === 1) return false;
  if (rem === 0) return true;
  const last = ALPHABET.indexOf(input[input.length - 1] as string);
  // 2 chars carry 1 byte (4 spare bits), 3 chars carry 2 bytes (2 spare bits).
  return (last & (rem === 2 ? 0b1111 : 0b11)) === 0;
}

/** Decodes canonical base64url, or returns `undefined`. */
export function decodeBase64url(input: string): Buffer | undefined {
  return isCanonicalBase64url(input) ? Buffer.from(input, 'base64url') : undefined;
}

/** Decodes base64url whose alphabet was already checked; `undefined` when not canonical. */
export function decodeCheckedBase64url(input: string): Buffer | undefined {
  return hasCanonicalLength(input) ? Buffer.from(input, 'base64url') : undefined;
}

export function encodeBase64url(input: Uint8Array | string): string {
  return Buffer.from(input).toString('base64url');
}
