import { InvalidTokenError } from '../errors.js';
import { type JwsAlgorithm, verifySignature } from './algorithms.js';
import type { KeyHandle } from './jwk.js';
import type { ParsedJws } from './parse.js';

/** Where an issuer's verification keys come from: a shared secret, a JWKS, or both. */
export interface IssuerKeys {
  readonly secret: KeyHandle | undefined;
  readonly keySource:
    | {
        resolve(
          kid: string | undefined,
          alg: JwsAlgorithm,
        ): readonly KeyHandle[] | Promise<readonly KeyHandle[]>;
      }
    | undefined;
}

/**
 * Verifies a parsed JWS's signature with one of the issuer's keys (its secret for HS, else its
 * JWKS), synchronously when the keys are in memory. Resolves to the key that verified it; throws
 * `InvalidTokenError` when none does. Used for access tokens and RFC 9701 introspection answers.
 */
export function verifyJwsSignature(
  jws: ParsedJws,
  alg: JwsAlgorithm,
  kid: string | undefined,
  issuer: IssuerKeys,
): KeyHandle | Promise<KeyHandle> {
  if (issuer.secret !== undefined && (alg === 'HS256' || alg === 'HS384' || alg === 'HS512')) {
    return checkSignature(jws, alg, [issuer.secret]);
  }
  if (issuer.keySource === undefined) throw new InvalidTokenError('jwt.alg');
  const keys = issuer.keySource.resolve(kid, alg);
  if (keys instanceof Promise) return keys.then((resolved) => checkSignature(jws, alg, resolved));
  return checkSignature(jws, alg, keys);
}

function checkSignature(jws: ParsedJws, alg: JwsAlgorithm, keys: readonly KeyHandle[]): KeyHandle {
  // Without a kid several keys may fit; try a few, never an unbounded number.
  for (let i = 0; i < keys.length && i < 4; i++) {
    const key = keys[i] as KeyHandle;
    if (verifySignature(alg, key.key, jws.signingInput, jws.signature)) return key;
  }
  throw new InvalidTokenError('jwt.signature');
}
