// What a careful developer writes by hand on node:crypto: the floor tokenguard is held to.
import { createHash, createPublicKey, type KeyObject, verify } from 'node:crypto';

export interface Jwks {
  keys: Array<Record<string, unknown>>;
}

type Claims = Record<string, unknown>;

const decode = (part: string): Record<string, unknown> =>
  JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));

function checkSignature(alg: unknown, key: KeyObject, data: string, signature: string): boolean {
  const sig = Buffer.from(signature, 'base64url');
  const input = Buffer.from(data);
  switch (alg) {
    case 'RS256':
      return verify('sha256', input, key, sig);
    case 'ES256':
      return verify('sha256', input, { key, dsaEncoding: 'ieee-p1363' }, sig);
    case 'EdDSA':
      return verify(null, input, key, sig);
    default:
      return false;
  }
}

/**
 * A JWT access-token check: keys imported once per `kid` from the key set, a synchronous
 * signature check, then `iss`, `aud` and `exp`. No result cache, and none of tokenguard's extra
 * checks (`typ`, canonical base64url, repeated JSON members, ID-token rejection, `nbf`/`iat`…).
 */
export function handRolledVerifier(
  jwks: Jwks,
  issuer: string,
  audience: string,
): (token: string) => Claims | undefined {
  const split = handRolledSplit(jwks, issuer, audience);
  return (token) => {
    const parts = split(token);
    if (parts === undefined) return undefined;
    const { alg, key, data, signature, payload } = parts;
    return checkSignature(alg, key, data, signature) ? payload : undefined;
  };
}

/**
 * The same check with the signature verified on libuv's threadpool (`crypto.verify` with a
 * callback, as jose's WebCrypto does): the question of issue 19 is whether leaving the event loop
 * pays, so this is the floor's answer to it.
 */
export function handRolledThreadpoolVerifier(
  jwks: Jwks,
  issuer: string,
  audience: string,
): (token: string) => Promise<Claims | undefined> {
  const split = handRolledSplit(jwks, issuer, audience);
  return (token) => {
    const parts = split(token);
    if (parts === undefined) return Promise.resolve(undefined);
    const { alg, key, data, signature, payload } = parts;
    return new Promise((resolve) => {
      const done = (error: Error | null, ok: boolean) =>
        resolve(error === null && ok ? payload : undefined);
      const input = Buffer.from(data);
      const sig = Buffer.from(signature, 'base64url');
      if (alg === 'RS256') verify('sha256', input, key, sig, done);
      else if (alg === 'ES256')
        verify('sha256', input, { key, dsaEncoding: 'ieee-p1363' }, sig, done);
      else if (alg === 'EdDSA') verify(null, input, key, sig, done);
      else resolve(undefined);
    });
  };
}

interface Split {
  alg: unknown;
  key: KeyObject;
  data: string;
  signature: string;
  payload: Claims;
}

/** Everything of the hand-rolled check but the signature: decoding, key choice, claims. */
function handRolledSplit(
  jwks: Jwks,
  issuer: string,
  audience: string,
): (token: string) => Split | undefined {
  const keys = new Map<string, { key: KeyObject; alg: unknown }>();
  for (const jwk of jwks.keys) {
    keys.set(String(jwk.kid), {
      key: createPublicKey({ key: jwk as never, format: 'jwk' }),
      alg: jwk.alg,
    });
  }
  return (token) => {
    const first = token.indexOf('.');
    const last = token.lastIndexOf('.');
    if (first <= 0 || last === first) return undefined;
    let header: Record<string, unknown>;
    let payload: Claims;
    try {
      header = decode(token.slice(0, first));
      payload = decode(token.slice(first + 1, last));
    } catch {
      return undefined;
    }
    const entry = keys.get(String(header.kid));
    if (entry === undefined || entry.alg !== header.alg) return undefined;
    if (payload.iss !== issuer) return undefined;
    const aud = payload.aud;
    if (aud !== audience && !(Array.isArray(aud) && aud.includes(audience))) return undefined;
    if (typeof payload.exp !== 'number' || payload.exp <= Date.now() / 1000) return undefined;
    return {
      alg: header.alg,
      key: entry.key,
      data: token.slice(0, last),
      signature: token.slice(last + 1),
      payload,
    };
  };
}

export interface DpopRequest {
  method: string;
  /** The request URL as the client addressed it, without query. */
  url: string;
  authorization: string | undefined;
  dpop: string | undefined;
}

/**
 * A DPoP check (RFC 9449 §4.3) on node:crypto, synchronous, with the proof key imported once per
 * RFC 7638 thumbprint: `typ`, `alg`, public `jwk`, signature, `htm`, `htu`, `iat` window, `ath`,
 * `cnf.jkt` and a bounded `jti` replay set. ES256 proofs only; the access token goes through
 * `verifyToken` (no result cache).
 */
export function handRolledDpop(
  verifyToken: (token: string) => Claims | undefined,
  windowSeconds = 60,
): (request: DpopRequest) => Claims | undefined {
  const keys = new Map<string, KeyObject>();
  const seen = new Map<string, number>();
  return ({ method, url, authorization, dpop }) => {
    if (authorization === undefined || dpop === undefined) return undefined;
    if (authorization.slice(0, 5).toLowerCase() !== 'dpop ') return undefined;
    const token = authorization.slice(5);
    const claims = verifyToken(token);
    if (claims === undefined) return undefined;
    const first = dpop.indexOf('.');
    const last = dpop.lastIndexOf('.');
    if (first <= 0 || last === first) return undefined;
    let header: Record<string, unknown>;
    let payload: Claims;
    try {
      header = decode(dpop.slice(0, first));
      payload = decode(dpop.slice(first + 1, last));
    } catch {
      return undefined;
    }
    const jwk = header.jwk as Record<string, unknown> | undefined;
    if (
      header.typ !== 'dpop+jwt' ||
      header.alg !== 'ES256' ||
      typeof jwk !== 'object' ||
      jwk === null
    )
      return undefined;
    if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || 'd' in jwk) return undefined;
    if (typeof jwk.x !== 'string' || typeof jwk.y !== 'string') return undefined;
    const jkt = createHash('sha256')
      .update(`{"crv":"P-256","kty":"EC","x":"${jwk.x}","y":"${jwk.y}"}`)
      .digest('base64url');
    let key = keys.get(jkt);
    if (key === undefined) {
      key = createPublicKey({
        key: { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y },
        format: 'jwk',
      });
      if (keys.size >= 10_000) keys.delete(keys.keys().next().value as string);
      keys.set(jkt, key);
    }
    if (!checkSignature('ES256', key, dpop.slice(0, last), dpop.slice(last + 1))) return undefined;
    const now = Date.now() / 1000;
    if (payload.htm !== method || payload.htu !== url) return undefined;
    if (typeof payload.iat !== 'number' || Math.abs(now - payload.iat) > windowSeconds)
      return undefined;
    if (payload.ath !== createHash('sha256').update(token).digest('base64url')) return undefined;
    if ((claims.cnf as { jkt?: unknown } | undefined)?.jkt !== jkt) return undefined;
    if (typeof payload.jti !== 'string') return undefined;
    const replayKey = `${jkt}:${payload.jti}`;
    if (seen.has(replayKey)) return undefined;
    if (seen.size >= 100_000) seen.delete(seen.keys().next().value as string);
    seen.set(replayKey, now + windowSeconds);
    return claims;
  };
}

/**
 * The DPoP floor: one ES256 `crypto.verify` of the proof per request, with the proof key imported
 * once. Nothing else is checked; no access token either.
 */
export function dpopFloor(): (proof: string | undefined) => boolean {
  let key: KeyObject | undefined;
  return (proof) => {
    if (proof === undefined) return false;
    const last = proof.lastIndexOf('.');
    if (key === undefined) {
      const header = decode(proof.slice(0, proof.indexOf('.')));
      key = createPublicKey({ key: header.jwk as never, format: 'jwk' });
    }
    return verify(
      'sha256',
      Buffer.from(proof.slice(0, last)),
      { key, dsaEncoding: 'ieee-p1363' },
      Buffer.from(proof.slice(last + 1), 'base64url'),
    );
  };
}

/** Remembers what `verifyToken` accepted, until `exp`: a repeated token costs a Map lookup. */
export function remembering(
  verifyToken: (token: string) => Claims | undefined,
  max = 10_000,
): (token: string) => Claims | undefined {
  const accepted = new Map<string, Claims>();
  return (token) => {
    const hit = accepted.get(token);
    if (hit !== undefined && (hit.exp as number) > Date.now() / 1000) return hit;
    const claims = verifyToken(token);
    if (claims !== undefined) {
      if (accepted.size >= max) accepted.delete(accepted.keys().next().value as string);
      accepted.set(token, claims);
    }
    return claims;
  };
}
