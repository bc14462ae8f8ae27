// Attack table, `kid`: injection strings, oversized and non-string kids, the kid of a key of
// another type (RFC 8725 §3.10).

import { claims, me } from './helpers.js';
import type { AttackCase } from './types.js';

function kidInjection(label: string, kid: unknown): AttackCase {
  return {
    name: `kid injection: ${label}`,
    reference: 'RFC 8725 §3.10',
    status: 401,
    // A string kid the server does not know makes the API refetch its JWKS once; one longer than
    // any real kid (256) is malformed before that.
    upstream: typeof kid === 'string' && kid.length <= 256 ? { jwks: 1 } : {},
    async request({ as }) {
      // Signed by the server's real ES256 key: only the kid is the attacker's.
      const token = await as.signJwt({
        header: { alg: 'ES256', typ: 'at+jwt', kid },
        payload: claims(as),
        alg: 'ES256',
      });
      return me(token, typeof kid === 'string' && kid.length >= 6 ? [kid] : []);
    },
  };
}

export function kidCases(): AttackCase[] {
  return [
    kidInjection('path traversal', '../../../../../../dev/null'),
    kidInjection('a file URL', 'file:///etc/passwd'),
    kidInjection('SQL', "x' UNION SELECT 'secret' --"),
    kidInjection('a shell command', '$(curl http://127.0.0.1:9/kid)'),
    kidInjection('a CRLF and a header', 'kid\r\nSet-Cookie: pwned=1'),
    kidInjection('a NUL byte', 'k\u0000ey'),
    kidInjection('__proto__', '__proto__'),
    kidInjection('constructor', 'constructor'),
    kidInjection('an empty string', ''),
    kidInjection('1,000 characters', 'k'.repeat(1000)),
    kidInjection('5,000 characters', 'k'.repeat(5000)),
    kidInjection('a number', 1),
    kidInjection('an object', { $ne: null }),
    kidInjection('an array', ['a', 'b']),
    kidInjection('null', null),
    kidInjection('true', true),
    {
      name: "the kid of the server's RSA key over an ES256 signature",
      reference: 'RFC 8725 §3.1, §3.10',
      status: 401,
      request: async ({ as }) =>
        me(
          await as.mintAccessToken(
            { sub: 'attacker' },
            { alg: 'ES256', header: { kid: as.kids.RS256 } },
          ),
        ),
    },
  ];
}
