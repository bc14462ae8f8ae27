// Attack table, DPoP (RFC 9449 §4.3, §7, §11): proofs replayed, pre-generated, for another token,
// method or URL, badly typed or keyed, `htu` tricks, and Host tricks against `htu`.

import type { KeyObject } from 'node:crypto';
import { createDpopKey, createDpopProof, type DpopKey, signJwt } from '@tokenguard/testing';
import { acceptedDpopRequest, b64, dpopMe, now, split } from './helpers.js';
import type { AttackCase } from './types.js';

interface ProofParts {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
  /** Signs with this key and algorithm instead of the client key's. */
  sign?: { alg: string; key?: KeyObject; secret?: string };
}

/** A DPoP request to `GET /me` with a bound token and a proof built from `parts`. */
export function dpopCase(
  name: string,
  reference: string,
  parts: (input: {
    key: DpopKey;
    header: Record<string, unknown>;
    claims: Record<string, unknown>;
  }) => ProofParts,
  status: 400 | 401 = 401,
  makeKey: () => DpopKey = createDpopKey,
): AttackCase {
  return {
    name,
    reference,
    status,
    async request({ as, baseUrl }) {
      const key = makeKey();
      const token = await as.mintAccessToken({ sub: 'attacker', cnf: { jkt: key.thumbprint } });
      const good = await createDpopProof({
        key,
        htm: 'GET',
        htu: `${baseUrl}/me`,
        accessToken: token,
      });
      const [h, p] = split(good);
      const header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as Record<
        string,
        unknown
      >;
      const payload = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Record<
        string,
        unknown
      >;
      const built = parts({ key, header, claims: payload });
      const sign = built.sign ?? { alg: key.alg, key: key.privateKey };
      const proof = await signJwt({
        header: built.header,
        payload: built.claims,
        alg: sign.alg,
        ...(sign.key === undefined ? {} : { key: sign.key }),
        ...(sign.secret === undefined ? {} : { secret: sign.secret }),
      });
      return {
        method: 'GET',
        path: '/me',
        headers: { authorization: `DPoP ${token}`, dpop: proof },
        secrets: [token, proof],
      };
    },
  };
}

export function dpopCases(): AttackCase[] {
  return [
    {
      // The proof is checked before the token: a proof for another request must not make the API
      // ask the authorization server about an opaque token (one call per made-up pair otherwise).
      name: 'a DPoP proof for another method, with an opaque token (no introspection call)',
      reference: 'RFC 9449 §4.3, §11; RFC 7662 §4',
      status: 401,
      async request({ as, baseUrl }) {
        const key = createDpopKey();
        const token = await as.mintOpaqueToken({ sub: 'attacker', cnf: { jkt: key.thumbprint } });
        const proof = await createDpopProof({
          key,
          htm: 'POST',
          htu: `${baseUrl}/me`,
          accessToken: token,
        });
        return {
          method: 'GET',
          path: '/me',
          headers: { authorization: `DPoP ${token}`, dpop: proof },
          secrets: [token, proof],
        };
      },
    },
    {
      name: 'a DPoP proof replayed',
      reference: 'RFC 9449 §11.1',
      status: 401,
      request: async ({ as, baseUrl }) => (await acceptedDpopRequest(as, baseUrl)).captured,
    },
    dpopCase(
      'a DPoP proof made an hour ago (pre-generated)',
      'RFC 9449 §11.2, §4.3 (iat)',
      (p) => ({
        ...p,
        claims: { ...p.claims, iat: now() - 3600 },
      }),
    ),
    dpopCase(
      'a DPoP proof dated an hour ahead (pre-generated)',
      'RFC 9449 §11.2, §4.3 (iat)',
      (p) => ({
        ...p,
        claims: { ...p.claims, iat: now() + 3600 },
      }),
    ),
    dpopCase('a DPoP proof for another access token (ath)', 'RFC 9449 §4.3, §11.8', (p) => ({
      ...p,
      claims: { ...p.claims, ath: b64(Buffer.alloc(32, 7)) },
    })),
    dpopCase('a DPoP proof without ath', 'RFC 9449 §4.2, §4.3', (p) => {
      const { ath: _ath, ...rest } = p.claims;
      return { ...p, claims: rest };
    }),
    dpopCase('a DPoP proof for another method (htm)', 'RFC 9449 §4.3', (p) => ({
      ...p,
      claims: { ...p.claims, htm: 'POST' },
    })),
    dpopCase(
      'a DPoP proof with htm in lower case',
      'RFC 9449 §4.3; RFC 9110 §9.1 (case-sensitive)',
      (p) => ({
        ...p,
        claims: { ...p.claims, htm: 'get' },
      }),
    ),
    dpopCase('a DPoP proof for another URL (htu)', 'RFC 9449 §4.3', (p) => ({
      ...p,
      claims: { ...p.claims, htu: `${String(p.claims.htu).replace(/\/me$/, '/admin')}` },
    })),
    dpopCase('a DPoP proof typed JWT', 'RFC 9449 §11.5', (p) => ({
      ...p,
      header: { ...p.header, typ: 'JWT' },
    })),
    dpopCase('a DPoP proof with alg "none"', 'RFC 9449 §11.6', (p) => ({
      ...p,
      header: { ...p.header, alg: 'none' },
      sign: { alg: 'none' },
    })),
    dpopCase('a DPoP proof MACed with HS256 and a symmetric jwk', 'RFC 9449 §4.3, §11.6', (p) => ({
      ...p,
      header: {
        ...p.header,
        alg: 'HS256',
        jwk: { kty: 'oct', k: b64('proof-secret-proof-secret-proof!') },
      },
      sign: { alg: 'HS256', secret: 'proof-secret-proof-secret-proof!' },
    })),
    dpopCase('a DPoP proof whose jwk carries the private key', 'RFC 9449 §4.3 (jwk)', (p) => ({
      ...p,
      header: { ...p.header, jwk: p.key.privateKey.export({ format: 'jwk' }) },
    })),
    dpopCase('a DPoP proof signed by another key than its jwk', 'RFC 9449 §4.3', (p) => ({
      ...p,
      sign: { alg: 'ES256', key: createDpopKey().privateKey },
    })),
    dpopCase(
      'a DPoP proof whose jwk is not a point on P-256 (invalid curve)',
      'RFC 8725 §3.4; RFC 9449 §4.3',
      (p) => {
        const jwk = p.header.jwk as { x: string; y: string };
        const y = Buffer.from(jwk.y, 'base64url');
        y[y.length - 1] = ((y[y.length - 1] as number) + 1) & 0xff;
        return { ...p, header: { ...p.header, jwk: { ...jwk, y: b64(y) } } };
      },
    ),
    dpopCase('a DPoP proof with a 1024-bit RSA key', 'RFC 9449 §11.6; RFC 7518 §3.3', (p) => {
      const weak = createDpopKey('RS256', { modulusLength: 1024 });
      return {
        ...p,
        header: { ...p.header, alg: 'RS256', jwk: weak.publicJwk },
        sign: { alg: 'RS256', key: weak.privateKey },
      };
    }),
    dpopCase(
      'a DPoP proof whose jwk is an encryption key (use "enc")',
      'RFC 7517 §4.2; RFC 9449 §4.3 (the same key rules as a JWKS)',
      (p) => ({ ...p, header: { ...p.header, jwk: { ...(p.header.jwk as object), use: 'enc' } } }),
    ),
    dpopCase(
      'a DPoP proof whose jwk key_ops lack "verify"',
      'RFC 7517 §4.3; RFC 9449 §4.3 (the same key rules as a JWKS)',
      (p) => ({
        ...p,
        header: {
          ...p.header,
          jwk: { ...(p.header.jwk as object), key_ops: ['encrypt', 'wrapKey'] },
        },
      }),
    ),
    dpopCase(
      'a DPoP proof whose jwk is for PS256, signed RS256 with the same key',
      'RFC 7517 §4.4; RFC 8725 §3.1 (one key, one algorithm)',
      (p) => ({
        ...p,
        header: { ...p.header, jwk: { ...(p.header.jwk as object), alg: 'PS256' } },
      }),
      401,
      () => createDpopKey('RS256'),
    ),
    dpopCase(
      'a DPoP proof with a 16384-bit RSA key (each check about 20x costlier)',
      'RFC 9449 §11.6; CWE-400 (at most 8192 bits)',
      (p) => p,
      401,
      () => createDpopKey('RS256', { modulusLength: 16384 }),
    ),
    dpopCase(
      'a DPoP proof with a 3072-bit RSA key and a 3070-bit exponent (each check about 170x costlier)',
      'RFC 9449 §11.6; CWE-400 (exponent at most 2^32)',
      (p) => p,
      401,
      () => createDpopKey('RS256', { modulusLength: 3072, publicExponentLength: 3070 }),
    ),
    ...htuTricks(),
    dpopCase('a DPoP proof with crit', 'RFC 7515 §4.1.11', (p) => ({
      ...p,
      header: { ...p.header, crit: ['exp'], exp: 1 },
    })),
    dpopCase('a DPoP proof whose jti is an array', 'RFC 9449 §4.2 (jti)', (p) => ({
      ...p,
      claims: { ...p.claims, jti: ['a', 'b'] },
    })),
    {
      name: 'two DPoP headers',
      reference: 'RFC 9449 §4.3 (exactly one DPoP header)',
      status: 401,
      async request({ as, baseUrl }) {
        const key = createDpopKey();
        const token = await as.mintAccessToken({ cnf: { jkt: key.thumbprint } });
        const proof = () =>
          createDpopProof({ key, htm: 'GET', htu: `${baseUrl}/me`, accessToken: token });
        const proofs = [await proof(), await proof()];
        return {
          method: 'GET',
          path: '/me',
          headers: { authorization: `DPoP ${token}`, dpop: proofs },
          secrets: [token, ...proofs],
        };
      },
    },
    {
      name: 'a DPoP proof bound to another key than the token (cnf.jkt)',
      reference: 'RFC 9449 §4.3, §6.1, §11.8',
      status: 401,
      async request({ as, baseUrl }) {
        const token = await as.mintAccessToken({ cnf: { jkt: createDpopKey().thumbprint } });
        return dpopMe(baseUrl, createDpopKey(), token);
      },
    },
    ...hostTricks(),
  ];
}

/**
 * Proofs whose `htu` names another resource than `GET /me` once read correctly (RFC 3986 §6.2.2
 * normalisation, nothing more): each would pass a verifier that decodes too much or compares
 * case-insensitively.
 */
function htuTricks(): AttackCase[] {
  const tricks: Array<[string, string]> = [
    ['hides a slash as %2F ("/admin/..%2Fme" is not "/me")', '/admin/..%2Fme'],
    ['is percent-encoded twice ("%256De" is not "me")', '/%256De'],
    ['changes case through an escape ("%4De" is "Me")', '/%4De'],
    ['climbs to another path with encoded dot segments', '/me/%2e%2E/admin'],
  ];
  return tricks.map(([label, path]) =>
    dpopCase(`a DPoP proof whose htu ${label}`, 'RFC 9449 §4.3 (htu); RFC 3986 §6.2.2', (p) => ({
      ...p,
      claims: { ...p.claims, htu: `${new URL(String(p.claims.htu)).origin}${path}` },
    })),
  );
}

/** Requests crafted so that the URL the API builds would match a proof made for another host. */
function hostTricks(): AttackCase[] {
  const tricks: Array<[string, Record<string, string>, 400 | 401]> = [
    ['a path in the Host', { host: 'api.example.test/evil' }, 400],
    ['userinfo in the Host', { host: 'user@api.example.test' }, 400],
    ['a space in the Host', { host: 'api.example.test evil' }, 400],
    ['a Host other than the one the proof names', { host: 'evil.example' }, 401],
    [
      "X-Forwarded-Host naming the proof's host (no proxy is trusted)",
      { 'x-forwarded-host': 'api.example.test' },
      401,
    ],
    [
      "Forwarded naming the proof's host (no proxy is trusted)",
      { forwarded: 'host=api.example.test;proto=http' },
      401,
    ],
  ];
  return tricks.map(([label, extra, status]) => ({
    name: `DPoP htu vs Host: ${label}`,
    reference: 'RFC 9449 §4.3 (htu), §11.1; RFC 9110 §7.2; RFC 7239',
    status,
    async request({ as }) {
      const key = createDpopKey();
      const token = await as.mintAccessToken({ cnf: { jkt: key.thumbprint } });
      const proof = await createDpopProof({
        key,
        htm: 'GET',
        htu: 'http://api.example.test/me',
        accessToken: token,
      });
      return {
        method: 'GET',
        path: '/me',
        headers: { ...extra, authorization: `DPoP ${token}`, dpop: proof },
        secrets: [token, proof, ...Object.values(extra)],
      };
    },
  }));
}
