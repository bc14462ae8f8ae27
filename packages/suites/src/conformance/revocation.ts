// The conformance guard's `isRevoked` check: the application's own revocation check, as a table
// can drive it through any adapter, whatever process or framework the app runs in.

/** The `isRevoked` option's shape, as far as the conformance check needs it. */
export type ConformanceRevocationCheck = (auth: {
  readonly claims: Readonly<Record<string, unknown>>;
}) => boolean | Promise<boolean>;

const revoked = new Set<string>();

/**
 * Revokes a token for the conformance guard's `isRevoked` check, by its `jti`: from then on the
 * check answers `true` for it, in every app of this process (a deny-list, as an application
 * would keep in Redis).
 */
export function revokeForConformance(jti: string): void {
  revoked.add(jti);
}

/**
 * The conformance guard's `isRevoked` check. `true` for a `jti` passed to
 * {@link revokeForConformance}; otherwise what the token's `revocation_check` claim asks for, so
 * that a case can make the check fail: `throw` (throws), `reject` (a rejected promise),
 * `async-true` / `async-false` (a promise of that answer); `false` for every other token.
 */
export const conformanceIsRevoked: ConformanceRevocationCheck = (auth) => {
  const { jti, revocation_check: mode } = auth.claims;
  if (typeof jti === 'string' && revoked.has(jti)) return true;
  switch (mode) {
    case 'throw':
      throw new Error('the revocation store is unreachable');
    case 'reject':
      return Promise.reject(new Error('the revocation store is unreachable'));
    case 'async-true':
      return Promise.resolve(true);
    case 'async-false':
      return Promise.resolve(false);
    default:
      return false;
  }
};
