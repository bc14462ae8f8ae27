// Attack table, encodings and JSON (RFC 7515 §2, §5.2; RFC 7519 §4, §7.2; RFC 8259; RFC 8725 §3.7).

import { b64, claims, createOrder, me, signedHeader, signedPayload, split } from './helpers.js';
import type { AttackCase } from './types.js';

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

export function encodingCases(): AttackCase[] {
  return [
    {
      name: 'a non-canonical base64url signature (stray low bits)',
      reference: 'RFC 7515 §2, Appendix C; RFC 4648 §3.5',
      status: 401,
      async request({ as }) {
        const [h, p, s] = split(await as.mintAccessToken({}, { alg: 'ES256' }));
        const last = BASE64URL.indexOf(s[s.length - 1] as string);
        return me(`${h}.${p}.${s.slice(0, -1)}${BASE64URL[last | 1]}`);
      },
    },
    {
      name: 'a valid token with base64 padding appended (a malformed JWT, never introspected)',
      reference: 'RFC 7515 §2, §7.1 (no padding)',
      status: 401,
      upstream: { introspection: 0 },
      request: async ({ as }) => me(`${await as.mintAccessToken({ sub: 'attacker' })}==`),
    },
    {
      name: 'an ID token with base64 padding appended (a malformed JWT, never introspected)',
      reference: 'RFC 8725 §2.8, §3.11; RFC 7515 §2',
      status: 401,
      upstream: { introspection: 0 },
      request: async ({ as }) =>
        me(
          `${await as.mintAccessToken({ sub: 'attacker', nonce: 'n-0S6_WzA2Mj' }, { typ: 'JWT' })}==`,
        ),
    },
    {
      name: 'a signature in the base64 alphabet (+ and / for - and _; a malformed JWT)',
      reference: 'RFC 7515 §2; RFC 4648 §5',
      status: 401,
      upstream: { introspection: 0 },
      async request({ as }) {
        // Sign until the signature has a - or _, so that re-encoding it changes the token.
        for (;;) {
          const [h, p, s] = split(await as.mintAccessToken({ sub: 'attacker' }, { alg: 'ES256' }));
          if (/[-_]/.test(s)) return me(`${h}.${p}.${s.replace(/-/g, '+').replace(/_/g, '/')}`);
        }
      },
    },
    {
      name: 'repeated member names in the payload (the first says another issuer)',
      reference: 'RFC 7515 §5.2; RFC 7519 §4; RFC 8259 §4',
      status: 401,
      async request({ as }) {
        const body = JSON.stringify(claims(as));
        return me(await signedPayload(as, `{"iss":"https://evil.example",${body.slice(1)}`));
      },
    },
    {
      name: 'repeated member names in the payload (the last widens the scope)',
      reference: 'RFC 7515 §5.2; RFC 7519 §4',
      status: 401,
      async request({ as }) {
        const body = JSON.stringify(claims(as));
        return createOrder(await signedPayload(as, `${body.slice(0, -1)},"scope":"orders:write"}`));
      },
    },
    {
      name: 'repeated alg in the header ("none", then the real one)',
      reference: 'RFC 7515 §5.2; RFC 8725 §3.1',
      status: 401,
      request: async ({ as }) =>
        me(
          await signedHeader(
            as,
            `{"alg":"none","typ":"at+jwt","kid":"${as.kids.ES256}","alg":"ES256"}`,
          ),
        ),
    },
    {
      name: 'a UTF-8 byte order mark before the payload JSON',
      reference: 'RFC 8259 §8.1; RFC 8725 §3.7',
      status: 401,
      request: async ({ as }) => me(await signedPayload(as, `\uFEFF${JSON.stringify(claims(as))}`)),
    },
    ...(
      [
        ['an array', '["iss","sub"]'],
        ['null', 'null'],
        ['a string', '"orders:write"'],
      ] as const
    ).map(
      ([label, json]): AttackCase => ({
        name: `a signed payload that is ${label}, not an object`,
        reference: 'RFC 7519 §7.2 (step 10)',
        status: 401,
        request: async ({ as }) => me(await signedPayload(as, json)),
      }),
    ),
    {
      name: 'an aud nested 1,500 arrays deep',
      reference: 'RFC 8725 §3.9; CWE-674 (uncontrolled recursion)',
      status: 401,
      async request({ as }) {
        const body = JSON.stringify(claims(as, { aud: 0 }));
        const nested = `${'['.repeat(1500)}"${as.audience}"${']'.repeat(1500)}`;
        return me(await signedPayload(as, body.replace('"aud":0', `"aud":${nested}`)));
      },
    },
    {
      name: '__proto__ claims trying to add a scope',
      reference: 'CWE-1321 (prototype pollution)',
      status: 403,
      async request({ as }) {
        const json = JSON.stringify(claims(as, { scope: 'profile' })).replace(
          '{',
          '{"__proto__":{"scope":"orders:write"},',
        );
        return createOrder(await signedPayload(as, json));
      },
    },
    {
      name: 'constructor.prototype claims trying to add a scope',
      reference: 'CWE-1321 (prototype pollution)',
      status: 403,
      request: async ({ as }) =>
        createOrder(
          await as.mintAccessToken({
            scope: 'profile',
            constructor: { prototype: { scope: 'orders:write' } },
          }),
        ),
    },
    {
      name: 'a __proto__ header member carrying alg "none"',
      reference: 'CWE-1321 (prototype pollution); RFC 8725 §3.1',
      status: 401,
      async request({ as }) {
        const h = b64(`{"__proto__":{"alg":"none"},"typ":"at+jwt","kid":"${as.kids.ES256}"}`);
        return me(`${h}.${b64(JSON.stringify(claims(as)))}.`);
      },
    },
  ];
}
