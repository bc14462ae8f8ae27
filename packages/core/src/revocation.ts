import { InvalidTokenError, ServiceUnavailableError } from './errors.js';
import { fail } from './lib/validate.js';
import type { AuthContext } from './types.js';

/**
 * The application's own revocation check (the `isRevoked` option): `true` when the token must no
 * longer be accepted (a deny-list of `jti`s, a logged-out session, a disabled user), `false`
 * when it may. Sync or async.
 *
 * Called once per request, after every other check passed (signature, claims, binding, scopes)
 * and before the handler runs, on every request: a token served from the verified-token cache is
 * checked again, so a revocation takes effect on the next request. Not called for a request
 * without credentials, nor for one already rejected.
 *
 * - `true` → 401 `invalid_token` (reason `token.revoked`);
 * - a throw or a rejected promise → 503 with `Retry-After` and `Cache-Control: no-store` (reason
 *   `revocation.failed`; the error is the 503's `cause`): a check that could not be made never
 *   lets a token through;
 * - anything but `true` or `false` (say `undefined`, from a forgotten `return`) → 503 too
 *   (reason `revocation.not_boolean`).
 *
 * It does NOT time out on its own: give the store it asks a deadline of its own (ioredis
 * `commandTimeout`), or a slow store makes every request slow.
 *
 * @example
 * ```ts
 * const guard = createTokenGuard({
 *   issuer, audience,
 *   isRevoked: async (auth) => (await redis.exists(`revoked:${auth.claims.jti}`)) === 1,
 * });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7009 (revocation at the authorization server)
 */
export type RevocationCheck = (auth: AuthContext) => boolean | Promise<boolean>;

/** Validates the `isRevoked` option (a `TypeError` naming it). */
export function resolveRevocation(value: unknown): RevocationCheck | undefined {
  if (value !== undefined && typeof value !== 'function') {
    fail('"isRevoked" must be a function (auth) => boolean | Promise<boolean>');
  }
  return value as RevocationCheck | undefined;
}

function unavailable(cause: unknown): ServiceUnavailableError {
  const error = new ServiceUnavailableError('revocation.failed');
  error.cause = cause;
  return error;
}

function verdict(answer: unknown): void {
  if (answer === false) return;
  if (answer === true) throw new InvalidTokenError('token.revoked');
  throw new ServiceUnavailableError('revocation.not_boolean');
}

/**
 * Asks the application whether `auth`'s token is revoked. Returns nothing when it is not (without
 * a promise when the check answered synchronously), throws (or rejects with) the `AuthError` that
 * answers the request otherwise.
 */
export function checkRevocation(check: RevocationCheck, auth: AuthContext): void | Promise<void> {
  let answer: unknown;
  try {
    answer = check(auth);
  } catch (error) {
    throw unavailable(error);
  }
  if (typeof (answer as PromiseLike<unknown> | undefined)?.then === 'function') {
    return Promise.resolve(answer).then(verdict, (error: unknown) => {
      throw unavailable(error);
    });
  }
  verdict(answer);
}
