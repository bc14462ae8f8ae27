import { createHmac, timingSafeEqual } from 'node:crypto';

/** What a presented nonce is worth. */
export type NonceCheck = 'current' | 'previous' | 'invalid';

const WINDOW_BYTES = 6;
const MAC_BYTES = 16;

/**
 * Stateless DPoP server nonces (RFC 9449 §8, §9): `base64url(window || HMAC-SHA256(secret,
 * window)[0..16])`, where `window = floor(now / ttl)`. Any instance holding the secret accepts a
 * nonce from the current or the previous window without shared state, so a nonce lives between
 * one and two `ttl`s. Several secrets rotate: the first issues, all verify.
 */
export class NonceIssuer {
  readonly #secrets: readonly Buffer[];
  readonly #ttl: number;

  constructor(secrets: readonly Buffer[], ttlMs: number) {
    this.#secrets = secrets;
    this.#ttl = ttlMs;
  }

  #mac(secret: Buffer, window: Buffer): Buffer {
    return createHmac('sha256', secret).update(window).digest().subarray(0, MAC_BYTES);
  }

  #window(nowMs: number): number {
    return Math.floor(nowMs / this.#ttl);
  }

  /** A fresh nonce for the current window. */
  issue(nowMs: number): string {
    const window = Buffer.alloc(WINDOW_BYTES);
    window.writeUIntBE(this.#window(nowMs), 0, WINDOW_BYTES);
    return Buffer.concat([window, this.#mac(this.#secrets[0] as Buffer, window)]).toString(
      'base64url',
    );
  }

  check(nonce: unknown, nowMs: number): NonceCheck {
    if (typeof nonce !== 'string' || nonce.length !== 30 || !/^[A-Za-z0-9_-]+$/.test(nonce)) {
      return 'invalid';
    }
    const bytes = Buffer.from(nonce, 'base64url');
    if (bytes.length !== WINDOW_BYTES + MAC_BYTES) return 'invalid';
    const window = bytes.subarray(0, WINDOW_BYTES);
    const mac = bytes.subarray(WINDOW_BYTES);
    const age = this.#window(nowMs) - window.readUIntBE(0, WINDOW_BYTES);
    if (age !== 0 && age !== 1) return 'invalid';
    for (const secret of this.#secrets) {
      if (timingSafeEqual(this.#mac(secret, window), mac))
        return age === 0 ? 'current' : 'previous';
    }
    return 'invalid';
  }
}
