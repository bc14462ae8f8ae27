/**
 * The checks a token goes through, as the token doctor names them. Each rejection reason belongs
 * to one check; the lists below are in the order the guard runs them, so that every check before
 * the failing one has passed.
 */
export type CheckName =
  | 'format'
  | 'proof'
  | 'alg'
  | 'typ'
  | 'iss'
  | 'key'
  | 'signature'
  | 'active'
  | 'aud'
  | 'exp'
  | 'nbf'
  | 'iat'
  | 'claims'
  | 'binding'
  | 'scope'
  | 'requirements';

/** What each check is, in words. */
export const CHECK_TITLES: Readonly<Record<CheckName, string>> = Object.freeze({
  format: 'token format',
  proof: 'DPoP proof',
  alg: 'signing algorithm (alg)',
  typ: 'token type (typ)',
  iss: 'issuer (iss)',
  key: 'signing key (kid)',
  signature: 'signature',
  active: 'active at the authorization server (introspection)',
  aud: 'audience (aud)',
  exp: 'expiry (exp)',
  nbf: 'not before (nbf)',
  iat: 'issued at (iat)',
  claims: 'claims',
  binding: 'sender constraint (DPoP, mTLS)',
  scope: 'scopes',
  requirements: 'claim rules and step-up',
});

// A reason is mapped to the earliest check that is certainly run after it is decided, never to
// an earlier one: a check is only reported as passed when the guard did run it.
const JWT_ORDER: readonly CheckName[] = [
  'format',
  'proof',
  'alg',
  'typ',
  'iss',
  'key',
  'signature',
  'aud',
  'exp',
  'nbf',
  'iat',
  'claims',
  'active',
  'binding',
  'scope',
  'requirements',
];
const OPAQUE_ORDER: readonly CheckName[] = [
  'format',
  'proof',
  'active',
  'iss',
  'aud',
  'exp',
  'nbf',
  'iat',
  'claims',
  'binding',
  'scope',
  'requirements',
];

/** The checks of a token, in the order the guard runs them. */
export function checkOrder(
  format: 'jwt' | 'opaque',
  options: { dpop: boolean; introspectJwt: boolean },
): CheckName[] {
  return (format === 'jwt' ? JWT_ORDER : OPAQUE_ORDER).filter(
    (check) =>
      (check !== 'proof' || options.dpop) &&
      (check !== 'active' || format === 'opaque' || options.introspectJwt),
  );
}

const EXACT: Readonly<Record<string, CheckName>> = {
  'jwt.crit': 'alg',
  'jwt.kid_malformed': 'key',
  'jwt.key_mismatch': 'key',
  'jwt.signature': 'signature',
  'jwt.id_token': 'claims',
  'jwt.iat_missing': 'claims',
  'introspection.iss': 'iss',
  'introspection.token_type': 'claims',
  'introspection.dpop_without_jkt': 'binding',
  'dpop.key_binding': 'binding',
  'dpop.token_not_bound': 'binding',
  'dpop.bound_token_as_bearer': 'binding',
  'dpop.replay': 'binding',
  'dpop.replay_store_full': 'binding',
  'dpop.replay_store_unavailable': 'binding',
  'authz.scope_missing': 'scope',
};

const PREFIXES: ReadonlyArray<readonly [string, CheckName]> = [
  ['request.', 'format'],
  ['token.', 'format'],
  ['jwt.encoding', 'format'],
  ['jwt.header_malformed', 'format'],
  ['jwt.payload_malformed', 'format'],
  ['jwt.jwe', 'format'],
  ['jwt.alg', 'alg'],
  ['jwt.typ', 'typ'],
  ['jwt.iss', 'iss'],
  ['jwks.', 'key'],
  ['jwt.aud', 'aud'],
  ['jwt.expired', 'exp'],
  ['jwt.exp_', 'exp'],
  ['jwt.not_yet_valid', 'nbf'],
  ['jwt.nbf_', 'nbf'],
  ['jwt.iat_', 'iat'],
  ['jwt.too_old', 'iat'],
  ['jwt.', 'claims'],
  ['introspection.', 'active'],
  ['mtls.', 'binding'],
  ['dpop.', 'proof'],
  ['authz.', 'requirements'],
];

/** The check a rejection reason belongs to. */
export function checkOf(reason: string): CheckName {
  const exact = EXACT[reason];
  if (exact !== undefined) return exact;
  for (const [prefix, check] of PREFIXES) if (reason.startsWith(prefix)) return check;
  return 'format';
}
