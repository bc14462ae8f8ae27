import type { KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, type JWK } from 'jose';
import { newKeyPair } from './lib/key-pair.js';
import { createRsaKeyPair } from './rsa.js';

/**
 * The asymmetric algorithms the server keeps a published signing key for.
 *
 * @example
 * ```ts
 * it.each(SIGNING_ALGORITHMS)('accepts %s', async (alg) => {
 *   await server.mintAccessToken({}, { alg });
 * });
 * ```
 */
export const SIGNING_ALGORITHMS = ['RS256', 'PS256', 'ES256', 'EdDSA'] as const;

/**
 * An algorithm the server signs with using one of its own keys.
 *
 * @example
 * ```ts
 * const alg: SigningAlgorithm = 'EdDSA';
 * ```
 */
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

/**
 * Options of `server.addKey()`.
 *
 * @example
 * ```ts
 * await server.addKey({ alg: 'RS256', modulusLength: 1024 });
 * ```
 */
export interface AddKeyOptions {
  /** The algorithm the key is published for (its JWK `alg`) and signs with by default. */
  alg: SigningAlgorithm;
  /**
   * RSA modulus size in bits, up to 16384; default 2048. Smaller values make weak keys on purpose,
   * larger ones (above 4096, made with {@link createRsaKeyPair}) keys too costly to verify with.
   */
  modulusLength?: number;
  /** RSA public exponent; default 65537. `3` makes a key with a weak exponent on purpose. */
  publicExponent?: number;
  /**
   * Instead of `publicExponent`: a random RSA exponent of this many bits (made with
   * {@link createRsaKeyPair}), e.g. 3070 with a 3072-bit modulus: a key costly to verify with.
   */
  publicExponentLength?: number;
  /** Curve of an ES256 key; default `P-256`. Another curve makes a key that does not fit ES256. */
  namedCurve?: 'P-256' | 'P-384' | 'P-521';
  /**
   * Members merged into the published JWK, e.g. `{ use: 'enc' }`, `{ key_ops: ['encrypt'] }`,
   * `{ alg: 'RS512' }` or `{ kid: 'same-as-another' }`. A member set to `undefined` is removed.
   */
  jwk?: Record<string, unknown>;
}

/**
 * A key the server publishes in its JWKS.
 *
 * @example
 * ```ts
 * const { kid, publicJwk } = await server.addKey({ alg: 'ES256' });
 * ```
 */
export interface PublishedKey {
  /** The key id; the RFC 7638 thumbprint unless `jwk.kid` overrode it. */
  kid: string;
  /** The algorithm the server signs with when it uses this key. */
  alg: SigningAlgorithm;
  /** The JWK as published. */
  publicJwk: JWK;
}

/** A key pair the server holds. Unpublished keys are never in the JWKS. */
export interface StoredKey extends PublishedKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

/**
 * The server's keys: one current signing key per algorithm, extra published keys, and keys that
 * are deliberately not published (to sign tokens a resource server must reject).
 */
export class KeyStore {
  // An array, not a map: a test may publish two keys with the same kid on purpose.
  private published: StoredKey[] = [];
  private readonly current = new Map<SigningAlgorithm, StoredKey>();
  private readonly unpublished = new Map<SigningAlgorithm, Promise<StoredKey>>();
  // A SPIFFE bundle's sequence number: it grows whenever the published keys change.
  private sequence = 0;

  private constructor(private readonly use: 'sig' | 'jwt-svid') {}

  /** Generates and publishes one signing key per algorithm (default: all four). */
  static async create(
    algorithms: readonly SigningAlgorithm[] = SIGNING_ALGORITHMS,
    use: 'sig' | 'jwt-svid' = 'sig',
  ): Promise<KeyStore> {
    const store = new KeyStore(use);
    await store.rotate(algorithms, false);
    return store;
  }

  /**
   * The JWK Set document; as a SPIFFE bundle (keys for `jwt-svid`) with its `spiffe_sequence`
   * and `spiffe_refresh_hint` (seconds), as the SPIFFE Trust Domain and Bundle spec has them.
   */
  jwks(): { keys: JWK[]; spiffe_sequence?: number; spiffe_refresh_hint?: number } {
    const keys = this.published.map((key) => ({ ...key.publicJwk }));
    if (this.use === 'sig') return { keys };
    return { keys, spiffe_sequence: this.sequence, spiffe_refresh_hint: 300 };
  }

  /** The current signing key for `alg`, if it has not been removed. */
  signingKey(alg: SigningAlgorithm): StoredKey | undefined {
    return this.current.get(alg);
  }

  /** The first published key with this kid. */
  find(kid: string): StoredKey | undefined {
    return this.published.find((key) => key.kid === kid);
  }

  /** All published keys, in JWKS order. */
  all(): readonly StoredKey[] {
    return this.published;
  }

  /** The kids of the current signing keys. */
  currentKids(): Partial<Record<SigningAlgorithm, string>> {
    return Object.fromEntries([...this.current].map(([alg, key]) => [alg, key.kid]));
  }

  /** A key for `alg` that is never published; created on first use. */
  unpublishedKey(alg: SigningAlgorithm): Promise<StoredKey> {
    let key = this.unpublished.get(alg);
    if (key === undefined) {
      key = createKey({ alg }, this.use);
      this.unpublished.set(alg, key);
    }
    return key;
  }

  /** New signing keys for `algorithms`; the old ones leave the JWKS unless `keepPrevious`. */
  async rotate(algorithms: readonly SigningAlgorithm[], keepPrevious: boolean): Promise<void> {
    const fresh = await Promise.all(algorithms.map((alg) => createKey({ alg }, this.use)));
    this.sequence++;
    for (const key of fresh) {
      const previous = this.current.get(key.alg);
      if (previous !== undefined && !keepPrevious) {
        this.published = this.published.filter((k) => k !== previous);
      }
      this.current.set(key.alg, key);
      this.published.push(key);
    }
  }

  /** Publishes an extra key; it signs only when asked for by kid. */
  async add(options: AddKeyOptions): Promise<StoredKey> {
    const key = await createKey(options, this.use);
    this.sequence++;
    this.published.push(key);
    return key;
  }

  /** Removes every published key with this kid; returns whether there was one. */
  remove(kid: string): boolean {
    const before = this.published.length;
    this.published = this.published.filter((key) => key.kid !== kid);
    this.sequence++;
    for (const [alg, key] of this.current) {
      if (key.kid === kid) this.current.delete(alg);
    }
    return this.published.length !== before;
  }
}

async function createKey(options: AddKeyOptions, use: 'sig' | 'jwt-svid'): Promise<StoredKey> {
  const { alg } = options;
  const pair = await generatePair(options);
  const exported = pair.publicKey.export({ format: 'jwk' }) as JWK;
  const thumbprint = await calculateJwkThumbprint(exported, 'sha256');
  const publicJwk: Record<string, unknown> = { kid: thumbprint, ...exported, alg, use };
  for (const [name, value] of Object.entries(options.jwk ?? {})) {
    if (value === undefined) delete publicJwk[name];
    else publicJwk[name] = value;
  }
  const kid = typeof publicJwk.kid === 'string' ? publicJwk.kid : thumbprint;
  return { kid, alg, publicJwk: publicJwk as JWK, ...pair };
}

function generatePair(options: AddKeyOptions): Promise<{
  publicKey: KeyObject;
  privateKey: KeyObject;
}> {
  switch (options.alg) {
    case 'RS256':
    case 'PS256':
      if ((options.modulusLength ?? 2048) > 4096 || options.publicExponentLength !== undefined) {
        return Promise.resolve(
          createRsaKeyPair({
            modulusLength: options.modulusLength ?? 2048,
            publicExponent: options.publicExponent,
            publicExponentLength: options.publicExponentLength,
          }),
        );
      }
      return newKeyPair({
        type: 'rsa',
        modulusLength: options.modulusLength ?? 2048,
        publicExponent: options.publicExponent ?? 0x10001,
      });
    case 'ES256':
      return newKeyPair({ type: 'ec', namedCurve: options.namedCurve ?? 'P-256' });
    case 'EdDSA':
      return newKeyPair({ type: 'ed25519' });
  }
}
