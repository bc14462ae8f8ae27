import { jwtVerify } from 'jose';
import { type KeyStore, SIGNING_ALGORITHMS } from './keys.js';
import type { Claims } from './mint.js';

/**
 * The server's memory of the tokens it issued: opaque tokens with their claims, and revoked
 * tokens of either format. JWTs are not stored; they are verified when introspected.
 */
export class TokenRegistry {
  private readonly opaque = new Map<string, Claims>();
  private readonly revoked = new Set<string>();

  /** Remembers an opaque token and its claims. */
  storeOpaque(token: string, claims: Claims): void {
    this.opaque.set(token, claims);
  }

  /** Marks a token (JWT or opaque) as revoked. */
  revoke(token: string): void {
    this.revoked.add(token);
  }

  /**
   * The RFC 7662 answer for `token`: `{ active: false }` when the server did not issue it (or no
   * longer recognises the key that signed it), or it is expired, not yet valid or revoked;
   * otherwise `active: true` with every claim the token carries and `token_type`.
   */
  async introspect(token: string, issuer: string, keys: KeyStore): Promise<Claims> {
    const inactive = { active: false };
    if (this.revoked.has(token)) return inactive;
    const stored = this.opaque.get(token);
    if (stored !== undefined) {
      const now = Math.floor(Date.now() / 1000);
      if (typeof stored.exp === 'number' && stored.exp <= now) return inactive;
      if (typeof stored.nbf === 'number' && stored.nbf > now) return inactive;
      const { active: _ignored, ...claims } = stored;
      return { active: true, ...claims };
    }
    try {
      const { payload } = await jwtVerify(
        token,
        (header) => {
          const key = keys
            .all()
            .find((k) => (header.kid === undefined ? k.alg === header.alg : k.kid === header.kid));
          if (key === undefined) throw new Error('unknown key');
          return key.publicKey;
        },
        { issuer, algorithms: [...SIGNING_ALGORITHMS] },
      );
      const { active: _ignored, ...claims } = payload as Claims;
      const confirmation = claims.cnf as { jkt?: unknown } | undefined;
      return {
        active: true,
        ...claims,
        token_type: typeof confirmation?.jkt === 'string' ? 'DPoP' : 'Bearer',
      };
    } catch {
      return inactive;
    }
  }
}
