// The shared secret for HS algorithms, as the JWT options resolve it.
import { createSecretKey, KeyObject } from 'node:crypto';
import { fail } from '../lib/validate.js';
import { isSymmetric, type JwsAlgorithm } from './algorithms.js';
import type { KeyHandle } from './jwk.js';

// RFC 7518 §3.2: an HMAC key at least as long as the hash output.
export const HS_MIN_BYTES = { HS256: 32, HS384: 48, HS512: 64 } as const;

/** The `secret` option as a key handle, or `undefined` (a `TypeError` for a wrong type). */
export function resolveSecret(secret: unknown): KeyHandle | undefined {
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
export function checkSecretFor(
  alg: JwsAlgorithm,
  secret: KeyHandle | undefined,
  where: string,
): void {
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
