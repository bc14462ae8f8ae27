import { sha256 } from '../lib/sha256.js';

/**
 * RFC 7638 JWK thumbprint (SHA-256, base64url) of a public key: the hash of the JSON object of
 * the key type's required members in lexicographic order, without whitespace. Synchronous and
 * cheap, unlike an async WebCrypto-based one on the per-request path.
 *
 * Returns `undefined` for a key type or member it does not know.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7638#section-3
 */
export function jwkThumbprint(jwk: Readonly<Record<string, unknown>>): string | undefined {
  const member = (name: string) => {
    const value = Object.hasOwn(jwk, name) ? jwk[name] : undefined;
    return typeof value === 'string' && value.length > 0 ? value : undefined;
  };
  let canonical: Record<string, string>;
  const kty = member('kty');
  if (kty === 'EC') {
    const crv = member('crv');
    const x = member('x');
    const y = member('y');
    if (crv === undefined || x === undefined || y === undefined) return undefined;
    canonical = { crv, kty, x, y };
  } else if (kty === 'RSA') {
    const e = member('e');
    const n = member('n');
    if (e === undefined || n === undefined) return undefined;
    canonical = { e, kty, n };
  } else if (kty === 'OKP') {
    const crv = member('crv');
    const x = member('x');
    if (crv === undefined || x === undefined) return undefined;
    canonical = { crv, kty, x };
  } else {
    return undefined;
  }
  return sha256(JSON.stringify(canonical));
}
