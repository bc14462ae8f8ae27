// Attack table, header parameters and token types (RFC 7515 §4.1.11, RFC 8725 §2.3, §2.8, §3.11).

import { type AuthorizationServer, createDpopKey, createDpopProof } from '@tokenguard/testing';
import { b64, me, signedHeader } from './helpers.js';
import type { AttackCase } from './types.js';

export function headerCases(): AttackCase[] {
  const es256 = (as: AuthorizationServer, extra: Record<string, unknown>) =>
    signedHeader(as, { alg: 'ES256', typ: 'at+jwt', kid: as.kids.ES256, ...extra });
  return [
    {
      name: 'crit names an extension nobody understands',
      reference: 'RFC 7515 §4.1.11',
      status: 401,
      request: async ({ as }) => me(await es256(as, { crit: ['exp'], exp: 1 })),
    },
    {
      name: 'crit b64:false (unencoded payload)',
      reference: 'RFC 7797 §6; RFC 7515 §4.1.11',
      status: 401,
      request: async ({ as }) => me(await es256(as, { b64: false, crit: ['b64'] })),
    },
    {
      name: 'crit as an empty list',
      reference: 'RFC 7515 §4.1.11 (MUST NOT be empty)',
      status: 401,
      request: async ({ as }) => me(await es256(as, { crit: [] })),
    },
    {
      name: 'a JWE (five segments) with a PBES2 count of a billion',
      reference: 'RFC 8725 §2.3; CVE-2022-36083 (jose)',
      status: 401,
      upstream: { introspection: 1 },
      request: async () =>
        me(
          `${b64(JSON.stringify({ alg: 'PBES2-HS256+A128KW', enc: 'A128GCM', p2c: 1e9, p2s: 'AAAAAAAAAAA' }))}.${b64('key')}.${b64('iv')}.${b64('ciphertext')}.${b64('tag')}`,
        ),
    },
    {
      name: 'a compressed JWE (zip: DEF) that would inflate to gigabytes',
      reference: 'RFC 8725 §3.6; CVE-2024-28176 (jose)',
      status: 401,
      upstream: { introspection: 1 },
      request: async () =>
        me(
          `${b64(JSON.stringify({ alg: 'dir', enc: 'A256GCM', zip: 'DEF' }))}..${b64('iv-iv-iv-iv')}.${b64(Buffer.alloc(64, 0x78))}.${b64('tag-tag-tag-tag!')}`,
        ),
    },
    {
      name: 'a DPoP proof offered as the access token',
      reference: 'RFC 8725 §2.8, §3.11; RFC 9449 §11.5',
      status: 401,
      request: async ({ baseUrl }) =>
        me(await createDpopProof({ key: createDpopKey(), htm: 'GET', htu: `${baseUrl}/me` })),
    },
    {
      name: 'an ID token offered as the access token',
      reference: 'RFC 8725 §2.8, §3.12; RFC 9068 §4',
      status: 401,
      request: async ({ as }) =>
        me(await as.mintAccessToken({ nonce: 'n-0S6_WzA2Mj', at_hash: 'x' }, { typ: 'JWT' })),
    },
    {
      name: "a token signed by the server's key but typed as a DPoP proof",
      reference: 'RFC 8725 §3.11',
      status: 401,
      request: async ({ as }) => me(await es256(as, { typ: 'dpop+jwt' })),
    },
    {
      name: "a logout token (typ logout+jwt) signed by the server's key",
      reference: 'RFC 8725 §2.8, §3.11',
      status: 401,
      request: async ({ as }) => me(await es256(as, { typ: 'logout+jwt' })),
    },
    {
      name: 'typ as an array',
      reference: 'RFC 7515 §4.1.9; RFC 8725 §3.11',
      status: 401,
      request: async ({ as }) => me(await es256(as, { typ: ['at+jwt'] })),
    },
  ];
}
