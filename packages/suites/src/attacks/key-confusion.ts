// Attack table, key confusion: the server's public key, in every encoding a library might take,
// used as an HMAC secret (RFC 8725 §2.1, §3.1).

import { createPublicKey, type KeyObject } from 'node:crypto';
import { type AuthorizationServer, signJwt } from '@tokenguard/testing';
import type { JWK } from 'jose';
import { claims, me } from './helpers.js';
import type { AttackCase } from './types.js';

type PublicKeyEncoding = (key: KeyObject, jwk: JWK) => string | Buffer;

const RSA_ENCODINGS: Record<string, PublicKeyEncoding> = {
  'SPKI PEM': (key) => key.export({ type: 'spki', format: 'pem' }) as string,
  'SPKI PEM without its final newline': (key) =>
    (key.export({ type: 'spki', format: 'pem' }) as string).trimEnd(),
  'SPKI PEM after a leading newline and space': (key) =>
    `\n ${key.export({ type: 'spki', format: 'pem' })}`,
  'PKCS#1 PEM': (key) => key.export({ type: 'pkcs1', format: 'pem' }) as string,
  'SPKI DER': (key) => key.export({ type: 'spki', format: 'der' }),
  'PKCS#1 DER': (key) => key.export({ type: 'pkcs1', format: 'der' }),
  'base64 of the DER (a PEM body without armour)': (key) =>
    key.export({ type: 'spki', format: 'der' }).toString('base64'),
  'JWK JSON as published': (_key, jwk) => JSON.stringify(jwk),
  'JWK JSON in RFC 7638 member order': (_key, jwk) =>
    JSON.stringify({ e: jwk.e, kty: jwk.kty, n: jwk.n }),
  'modulus bytes': (_key, jwk) => Buffer.from(String(jwk.n), 'base64url'),
};

const EC_ENCODINGS: Record<string, PublicKeyEncoding> = {
  'SPKI PEM': (key) => key.export({ type: 'spki', format: 'pem' }) as string,
  'JWK JSON as published': (_key, jwk) => JSON.stringify(jwk),
  'uncompressed point bytes': (_key, jwk) =>
    Buffer.concat([
      Buffer.from([4]),
      Buffer.from(String(jwk.x), 'base64url'),
      Buffer.from(String(jwk.y), 'base64url'),
    ]),
};

function publishedKey(as: AuthorizationServer, kty: 'RSA' | 'EC'): { jwk: JWK; key: KeyObject } {
  const jwk = as
    .jwks()
    .keys.find((k) => k.kty === kty && k.kid === as.kids[kty === 'RSA' ? 'RS256' : 'ES256']);
  if (jwk === undefined) throw new Error(`the authorization server publishes no ${kty} key`);
  return { jwk, key: createPublicKey({ key: jwk as never, format: 'jwk' }) };
}

function hmacWithPublicKey(
  kty: 'RSA' | 'EC',
  encoding: string,
  alg: 'HS256' | 'HS384' | 'HS512',
  reference: string,
): AttackCase {
  const encodings = kty === 'RSA' ? RSA_ENCODINGS : EC_ENCODINGS;
  return {
    name: `${alg} signed with the server's ${kty} public key (${encoding})`,
    reference,
    status: 401,
    async request({ as }) {
      const { jwk, key } = publishedKey(as, kty);
      const secret = (encodings[encoding] as PublicKeyEncoding)(key, jwk);
      const token = await signJwt({
        header: { alg, typ: 'at+jwt', kid: jwk.kid },
        payload: claims(as),
        secret: typeof secret === 'string' ? secret : new Uint8Array(secret),
      });
      return me(token);
    },
  };
}

const CONFUSION =
  'RFC 8725 §2.1, §3.1; CVE-2015-9235, CVE-2022-23541 (jsonwebtoken); CVE-2016-10555 (jwt-simple)';

export function keyConfusionCases(): AttackCase[] {
  const reference: Record<string, string> = {
    'SPKI PEM after a leading newline and space': `${CONFUSION}; CVE-2026-34950 (fast-jwt)`,
    'PKCS#1 PEM': `${CONFUSION}; CVE-2023-48223 (fast-jwt)`,
  };
  return [
    ...Object.keys(RSA_ENCODINGS).map((encoding) =>
      hmacWithPublicKey('RSA', encoding, 'HS256', reference[encoding] ?? CONFUSION),
    ),
    hmacWithPublicKey('RSA', 'SPKI PEM', 'HS384', CONFUSION),
    hmacWithPublicKey('RSA', 'SPKI PEM', 'HS512', CONFUSION),
    ...Object.keys(EC_ENCODINGS).map((encoding) =>
      hmacWithPublicKey('EC', encoding, 'HS256', CONFUSION),
    ),
    {
      name: 'HS256 with an empty secret',
      reference: 'RFC 8725 §3.5; RFC 7518 §3.2',
      status: 401,
      request: async ({ as }) =>
        me(
          await signJwt({
            header: { alg: 'HS256', typ: 'at+jwt' },
            payload: claims(as),
            secret: '',
          }),
        ),
    },
  ];
}
