import type { KeyObject } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import {
  InvalidDpopProofError,
  InvalidRequestError,
  UseDpopNonceError,
  withDetails,
} from '../errors.js';
import { type JwsAlgorithm, verifySignature } from '../jws/algorithms.js';
import {
  importPublicJwk,
  keyFits,
  type PublicJwk,
  readPublicJwk,
  type SkippedKey,
} from '../jws/jwk.js';
import { isJwsShaped, type ParsedJws, parseJws } from '../jws/parse.js';
import { excerpt } from '../lib/excerpt.js';
import { type JsonObject, own } from '../lib/json.js';
import { sha256 } from '../lib/sha256.js';
import { requestUrl } from '../public-url.js';
import type { IncomingRequest } from '../request.js';
import type { NonceIssuer } from './nonce.js';
import type { ResolvedDpop } from './options.js';
import { jwkThumbprint } from './thumbprint.js';

/** A proof that passed every check that does not need shared state. */
export interface CheckedProof {
  /** RFC 7638 thumbprint of the proof key, to compare with the token's `cnf.jkt`. */
  jkt: string;
  jti: string;
  /** The client's nonce is from the previous window: offer a fresh one. */
  nonceStale: boolean;
}

// The key rules of a JWKS, reason by reason, for a proof key (RFC 9449 §4.3: a public key).
const JWK_REASONS: Record<SkippedKey, string> = {
  not_object: 'dpop.jwk_missing',
  unsupported_kty: 'dpop.jwk_unsupported',
  unsupported_crv: 'dpop.jwk_unsupported',
  private_key: 'dpop.jwk_private',
  not_for_signature: 'dpop.jwk_not_for_signature',
  unsupported_alg: 'dpop.jwk_mismatch',
  rsa_too_large: 'dpop.jwk_too_large',
  malformed: 'dpop.jwk_malformed',
};

// RFC 3986 §2.3 unreserved characters, by code point.
const UNRESERVED = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~') {
  UNRESERVED[c.charCodeAt(0)] = 1;
}
const PERCENT_ESCAPE = /%([0-9A-Fa-f]{2})/g;

/** RFC 3986 §6.2.2.1/§6.2.2.2: decode escaped unreserved characters, upper-case the other escapes. */
function normalizeEscape(_match: string, hex: string): string {
  const code = Number.parseInt(hex, 16);
  return code < 128 && UNRESERVED[code] === 1 ? String.fromCharCode(code) : `%${hex.toUpperCase()}`;
}

/**
 * `scheme://host[:port]/path` per RFC 3986 §6.2.2 (syntax-based) and §6.2.3 (scheme-based)
 * normalisation, or `undefined`: scheme and host in lower case, no default port, dot segments
 * removed (also when percent-encoded), percent-encoded unreserved characters decoded and the
 * other escapes in upper case; query and fragment left out (RFC 9449 §4.2). Applied to the proof's
 * `htu` and to the request URL alike, so `/re%61d` and `/read` name the same resource, while
 * `%2F` stays distinct from `/` and `%25` from `%`.
 */
export function normalizeHtu(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  // WHATWG URL lower-cases scheme and host, drops the default port and resolves dot segments,
  // `%2e` spellings included; only the percent-encoding of the path is left to do, and only when
  // there is one (the usual path has none).
  let path = url.pathname;
  if (path.includes('%')) path = path.replace(PERCENT_ESCAPE, normalizeEscape);
  return `${url.protocol}//${url.host}${path}`;
}

const HTUS_KEPT = 256;

/** A proof whose `iat` is outside the window, with both times. */
function outsideWindow(reason: string, iat: number, nowMs: number): InvalidDpopProofError {
  return withDetails(new InvalidDpopProofError(reason), {
    field: 'iat',
    actual: iat,
    now: Math.floor(nowMs / 1000),
  });
}

/**
 * Checks a DPoP proof (RFC 9449 §4.3) for a request: one compact JWS, `typ: dpop+jwt`, an
 * asymmetric `alg` from the allow-list, a public `jwk` that passes the rules of a JWKS key (no
 * encryption key, its own `alg` if any equal to the header's, RSA of 2048 to 8192 bits with an
 * exponent of at most 2^32: checked before anything is imported or verified),
 * a valid signature, `htm` = the method, `htu` = the request URL (normalised, without query and
 * fragment), `iat` within the window, a `jti`, `ath` = base64url(SHA-256(access token)), and the
 * server nonce when nonces are on. Each failure has its own internal reason.
 *
 * Replay (`jti` seen before) is checked by the caller against the store, after the token binding.
 * Imported proof keys are cached by thumbprint: clients reuse their DPoP key.
 */
export class ProofVerifier {
  readonly #settings: ResolvedDpop;
  readonly #publicUrl: URL | undefined;
  readonly #keys = new LRUCache<string, KeyObject>({ max: 10_000 });
  /** Per parsed header (see {@link ProofVerifier.#proofKey}); gone with the header. */
  readonly #headers = new WeakMap<JsonObject, { jkt: string; key: KeyObject }>();
  readonly #htus = new Map<string, string | undefined>();

  constructor(settings: ResolvedDpop, publicUrl: URL | undefined) {
    this.#settings = settings;
    this.#publicUrl = publicUrl;
  }

  get settings(): ResolvedDpop {
    return this.#settings;
  }

  get nonce(): NonceIssuer | undefined {
    return this.#settings.nonce;
  }

  /**
   * @param known The access token's cached verification, when it has one: its `ath` is computed
   *   once and kept there (every proof sent with that token must carry the same `ath`).
   */
  check(
    proof: string,
    request: IncomingRequest,
    accessToken: string,
    nowMs: number,
    known?: { ath?: string },
  ): CheckedProof {
    const settings = this.#settings;
    if (proof.length > settings.maxProofLength) throw new InvalidDpopProofError('dpop.too_long');
    if (!isJwsShaped(proof)) throw new InvalidDpopProofError('dpop.malformed');
    let jws: ParsedJws;
    try {
      jws = parseJws(proof);
    } catch {
      throw new InvalidDpopProofError('dpop.malformed');
    }
    const { header, payload } = jws;

    const typ = own(header, 'typ');
    if (typeof typ !== 'string' || typ.toLowerCase() !== 'dpop+jwt') {
      throw new InvalidDpopProofError('dpop.typ');
    }
    const alg = own(header, 'alg');
    if (typeof alg !== 'string' || !settings.algorithms.has(alg as JwsAlgorithm)) {
      throw new InvalidDpopProofError('dpop.alg');
    }
    if (Object.hasOwn(header, 'crit')) throw new InvalidDpopProofError('dpop.crit');
    const { jkt, key } = this.#proofKey(header, alg as JwsAlgorithm);
    if (!verifySignature(alg as JwsAlgorithm, key, jws.signingInput, jws.signature)) {
      throw new InvalidDpopProofError('dpop.signature');
    }

    const htm = own(payload, 'htm');
    if (htm !== request.method) {
      throw withDetails(new InvalidDpopProofError('dpop.htm'), {
        field: 'htm',
        expected: request.method,
        actual: excerpt(htm),
      });
    }
    const htu = own(payload, 'htu');
    const expectedHtu = this.#normalizeHtu(requestUrl(request, this.#publicUrl));
    if (expectedHtu === undefined) throw new InvalidRequestError('request.url_invalid');
    if (typeof htu !== 'string' || this.#normalizeHtu(htu) !== expectedHtu) {
      // The URL this request was made to, and what the proof names: without query and fragment.
      throw withDetails(new InvalidDpopProofError('dpop.htu'), {
        field: 'htu',
        expected: expectedHtu,
        actual: excerpt(typeof htu === 'string' ? (normalizeHtu(htu) ?? htu) : htu),
      });
    }
    const iat = own(payload, 'iat');
    if (typeof iat !== 'number' || !Number.isFinite(iat))
      throw new InvalidDpopProofError('dpop.iat_missing');
    const iatMs = iat * 1000;
    if (iatMs > nowMs + settings.iatLeeway) throw outsideWindow('dpop.iat_future', iat, nowMs);
    if (iatMs < nowMs - settings.iatWindow) throw outsideWindow('dpop.iat_old', iat, nowMs);
    const jti = own(payload, 'jti');
    if (typeof jti !== 'string' || jti.length === 0 || jti.length > 256) {
      throw new InvalidDpopProofError('dpop.jti');
    }
    const ath = own(payload, 'ath');
    let expectedAth = known?.ath;
    if (expectedAth === undefined) {
      expectedAth = sha256(accessToken);
      if (known !== undefined) known.ath = expectedAth;
    }
    if (ath !== expectedAth)
      throw new InvalidDpopProofError(ath === undefined ? 'dpop.ath_missing' : 'dpop.ath');

    let nonceStale = false;
    if (settings.nonce !== undefined) {
      const nonce = own(payload, 'nonce');
      if (nonce === undefined) throw new UseDpopNonceError('dpop.nonce_missing');
      const check = settings.nonce.check(nonce, nowMs);
      if (check === 'invalid') throw new UseDpopNonceError('dpop.nonce_invalid');
      nonceStale = check === 'previous';
    }
    return { jkt, jti, nonceStale };
  }

  /**
   * The proof key of a header, checked: its thumbprint and imported key. A client sends every
   * proof with the same header (`typ`, `alg`, its `jwk`), which the JWS parser hands out as one
   * frozen object per distinct header text: what was found for it is kept with it, so a known
   * key costs neither the key rules, the thumbprint nor the import again.
   */
  #proofKey(header: JsonObject, alg: JwsAlgorithm): { jkt: string; key: KeyObject } {
    let found = this.#headers.get(header);
    if (found !== undefined) return found;
    // The same key rules as for a JWKS key, and all of them before the (cached) import and the
    // signature check: an oversized RSA key costs nothing but this check.
    const jwk = readPublicJwk(own(header, 'jwk'));
    if (typeof jwk === 'string') throw new InvalidDpopProofError(JWK_REASONS[jwk]);
    if (!keyFits(jwk, alg)) throw new InvalidDpopProofError('dpop.jwk_mismatch');
    const jkt = jwkThumbprint(jwk.members);
    if (jkt === undefined) throw new InvalidDpopProofError('dpop.jwk_malformed');
    found = { jkt, key: this.#importKey(jkt, jwk) };
    // Only a frozen header is the parser's shared one (nothing can change it after this check).
    if (Object.isFrozen(header)) this.#headers.set(header, found);
    return found;
  }

  /**
   * {@link normalizeHtu}, remembered for the last few hundred URLs: an API's proofs name a handful
   * of URLs, each parsed twice per request otherwise (the request's and the proof's). A flood of
   * distinct ones empties the memory rather than growing it.
   */
  #normalizeHtu(value: string): string | undefined {
    const htus = this.#htus;
    let normalized = htus.get(value);
    if (normalized === undefined && !htus.has(value)) {
      normalized = normalizeHtu(value);
      if (htus.size >= HTUS_KEPT) htus.clear();
      htus.set(value, normalized);
    }
    return normalized;
  }

  #importKey(jkt: string, jwk: PublicJwk): KeyObject {
    // The thumbprint covers every member that defines the key, so equal thumbprints are the same
    // key (RFC 7638 §1): the import can be reused. The members that only restrict its use (`use`,
    // `key_ops`, `alg`) were checked on this proof's own jwk.
    const cached = this.#keys.get(jkt);
    if (cached !== undefined) return cached;
    const imported = importPublicJwk(jwk);
    if (typeof imported === 'string') throw new InvalidDpopProofError(JWK_REASONS[imported]);
    if (imported.unusable !== undefined) throw new InvalidDpopProofError('dpop.jwk_weak');
    this.#keys.set(jkt, imported.key);
    return imported.key;
  }
}
