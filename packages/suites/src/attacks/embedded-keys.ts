// Attack table, keys the token names or carries (RFC 8725 §3.10; RFC 7515 §4.1.2–§4.1.6).

import { createPrivateKey } from 'node:crypto';
import { createCertificates, createDpopKey, signJwt } from '@tokenguard/testing';
import type { JWK } from 'jose';
import { claims, me } from './helpers.js';
import type { AttackCase } from './types.js';

function attackerKeyHeader(
  name: string,
  header: (trapUrl: string, publicJwk: JWK) => Record<string, unknown>,
  reference: string,
  kid: 'attacker' | 'real' = 'attacker',
): AttackCase {
  return {
    name,
    reference,
    status: 401,
    // A made-up kid is unknown: the API refetches the server's JWKS once (never the token's URL).
    upstream: kid === 'attacker' ? { jwks: 1 } : {},
    async request({ as, trapUrl }) {
      const { privateKey, publicJwk } = createDpopKey('ES256');
      const token = await signJwt({
        header: {
          alg: 'ES256',
          typ: 'at+jwt',
          kid: kid === 'attacker' ? 'attacker-key' : as.kids.ES256,
          ...header(trapUrl, publicJwk),
        },
        payload: claims(as),
        key: privateKey,
      });
      return me(token, ['attacker-key', trapUrl]);
    },
  };
}

export function embeddedKeyCases(): AttackCase[] {
  return [
    attackerKeyHeader(
      'embedded jwk names the key that signed it',
      (_trap, jwk) => ({ jwk }),
      'RFC 8725 §3.10; CVE-2018-0114 (node-jose)',
    ),
    attackerKeyHeader(
      "embedded jwk under the server's real kid",
      (_trap, jwk) => ({ jwk }),
      'RFC 8725 §3.10; CVE-2018-0114 (node-jose)',
      'real',
    ),
    attackerKeyHeader(
      "jku points at the attacker's JWKS",
      (trap) => ({ jku: `${trap}/jwks.json` }),
      'RFC 8725 §3.10; RFC 7515 §4.1.2 (SSRF, key injection)',
    ),
    attackerKeyHeader(
      "jku points at the attacker's JWKS, under the server's real kid",
      (trap) => ({ jku: `${trap}/jwks.json` }),
      'RFC 8725 §3.10; RFC 7515 §4.1.2',
      'real',
    ),
    attackerKeyHeader(
      "x5u points at the attacker's certificate",
      (trap) => ({ x5u: `${trap}/cert.pem` }),
      'RFC 8725 §3.10; RFC 7515 §4.1.5 (SSRF)',
    ),
    {
      name: 'x5c carries a real certificate chain whose key signed the token (a CA nobody trusts)',
      reference: 'RFC 7515 §4.1.6; RFC 8725 §3.10',
      status: 401,
      upstream: { jwks: 1 },
      async request({ as }) {
        const pki = await createCertificates();
        const leaf = await pki.issueClient('attacker');
        const der = (pem: string) =>
          Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64').toString('base64');
        const token = await signJwt({
          header: {
            alg: 'RS256',
            typ: 'at+jwt',
            kid: 'attacker-cert',
            x5c: [der(leaf.cert), der(pki.ca)],
          },
          payload: claims(as),
          key: createPrivateKey(leaf.key),
        });
        return me(token, ['attacker-cert']);
      },
    },
  ];
}
