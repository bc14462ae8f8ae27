// Attack table, algorithms: `none` in every spelling, signatures stripped or left behind, `alg`
// that is not a string or lies about the signature (RFC 8725 §2.1, §3.1).

import { b64, claims, me, split } from './helpers.js';
import type { AttackCase } from './types.js';

/** Every upper/lower-case spelling of `none`. */
function noneSpellings(): string[] {
  const out: string[] = [];
  for (let mask = 0; mask < 16; mask++) {
    out.push([...'none'].map((c, i) => ((mask >> i) & 1 ? c.toUpperCase() : c)).join(''));
  }
  return out;
}

function unsigned(alg: string): AttackCase {
  return {
    name: `alg ${JSON.stringify(alg)}, no signature`,
    reference: 'RFC 8725 §2.1, §3.1; CVE-2022-23540 (jsonwebtoken); CVE-2020-15084 (express-jwt)',
    status: 401,
    async request({ as }) {
      return me(
        `${b64(JSON.stringify({ alg, typ: 'at+jwt' }))}.${b64(JSON.stringify(claims(as)))}.`,
      );
    },
  };
}

export function algorithmCases(): AttackCase[] {
  return [
    ...noneSpellings().map(unsigned),
    {
      name: 'alg "none" with the original signature left in place',
      reference: 'RFC 8725 §3.1; RFC 7518 §3.6',
      status: 401,
      async request({ as }) {
        const [, , s] = split(await as.mintAccessToken());
        const h = b64(JSON.stringify({ alg: 'none', typ: 'at+jwt', kid: as.kids.ES256 }));
        return me(`${h}.${b64(JSON.stringify(claims(as)))}.${s}`);
      },
    },
    {
      name: 'a real token with its signature stripped',
      reference: 'RFC 8725 §3.3',
      status: 401,
      async request({ as }) {
        const [h, p] = split(await as.mintAccessToken());
        return me(`${h}.${p}.`);
      },
    },
    ...(
      [
        ['an array', ['ES256']],
        ['an object', { name: 'ES256' }],
        ['a number', 256],
        ['null', null],
      ] as const
    ).map(
      ([label, alg]): AttackCase => ({
        name: `alg as ${label}, signed by the server's ES256 key`,
        reference: 'RFC 7515 §4.1.1',
        status: 401,
        request: async ({ as }) =>
          me(
            await as.signJwt({
              header: { alg, typ: 'at+jwt', kid: as.kids.ES256 },
              payload: claims(as),
              alg: 'ES256',
            }),
          ),
      }),
    ),
    {
      name: 'a header that says RS256 over an ES256 signature',
      reference: 'RFC 8725 §3.1',
      status: 401,
      request: async ({ as }) =>
        me(
          await as.signJwt({
            header: { alg: 'RS256', typ: 'at+jwt', kid: as.kids.ES256 },
            payload: claims(as),
            alg: 'ES256',
          }),
        ),
    },
  ];
}
