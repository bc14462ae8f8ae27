import { InvalidTokenError } from '../errors.js';
import { type JsonObject, own } from '../lib/json.js';
import type { SpiffeConfig } from './options.js';
import { parseSpiffeId } from './spiffe-id.js';

// JWT-SVID §2: the only header members, and the algorithms of RFC 7518 §3.3–3.5.
const HEADER_MEMBERS = new Set(['alg', 'kid', 'typ']);
const SVID_ALGORITHMS = new Set([
  'RS256',
  'RS384',
  'RS512',
  'ES256',
  'ES384',
  'ES512',
  'PS256',
  'PS384',
  'PS512',
]);
const SVID_TYPES = new Set(['jwt', 'jose']);

/**
 * The checks of a JWT-SVID that need no key, and the trust domain whose bundle alone may verify
 * it: only `alg`, `kid` and `typ` in the header; `alg` one of RS/ES/PS 256–512; `typ` absent,
 * `JWT` or `JOSE`; `sub` a SPIFFE ID with a path (a workload), syntax checked
 * (`spiffe.sub_missing`, `spiffe.id_malformed`); its trust domain trusted
 * (`spiffe.trust_domain`) and the ID on the allow-list (`spiffe.id_not_allowed`). `iss` is not
 * required (JWT-SVIDs may leave it out) and does not select the keys: the SPIFFE ID's trust
 * domain does. `aud` and `exp` are checked after the signature, like every token's.
 *
 * @see https://github.com/spiffe/spiffe/blob/main/standards/JWT-SVID.md
 */
export function selectTrustDomain<TDomain>(
  header: JsonObject,
  payload: JsonObject,
  spiffe: SpiffeConfig<TDomain>,
): { domain: TDomain; spiffeId: string } {
  for (const member of Object.keys(header)) {
    if (!HEADER_MEMBERS.has(member)) throw new InvalidTokenError('spiffe.header');
  }
  if (!SVID_ALGORITHMS.has(own(header, 'alg') as string)) throw new InvalidTokenError('spiffe.alg');
  const typ = own(header, 'typ');
  // RFC 7515 §4.1.9: `typ` compares case-insensitively.
  if (typ !== undefined && (typeof typ !== 'string' || !SVID_TYPES.has(typ.toLowerCase()))) {
    throw new InvalidTokenError('spiffe.typ');
  }
  const sub = own(payload, 'sub');
  if (sub === undefined) throw new InvalidTokenError('spiffe.sub_missing');
  const id = parseSpiffeId(sub);
  if (id === undefined || id.segments.length === 0) {
    throw new InvalidTokenError('spiffe.id_malformed');
  }
  const domain = spiffe.domains.get(id.trustDomain);
  if (domain === undefined) throw new InvalidTokenError('spiffe.trust_domain');
  if (!spiffe.allowList.allows(id)) throw new InvalidTokenError('spiffe.id_not_allowed');
  return { domain, spiffeId: id.id };
}
