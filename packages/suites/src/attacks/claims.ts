// Attack table, claims (RFC 7519 §4.1, RFC 8725 §3.8, §3.9, RFC 6750 §5, RFC 9068 §4).

import { type AuthorizationServer, createDpopKey } from '@tokenguard/testing';
import { claims, createOrder, me, now, signedPayload } from './helpers.js';
import type { AttackCase } from './types.js';

export function claimCases(): AttackCase[] {
  const numeric = (
    name: string,
    literal: string,
    label: string,
    reference: string,
  ): AttackCase => ({
    name: `${name} of ${label}`,
    reference,
    status: 401,
    async request({ as }) {
      const json = JSON.stringify(claims(as, { [name]: 0 })).replace(
        `"${name}":0`,
        `"${name}":${literal}`,
      );
      return me(await signedPayload(as, json));
    },
  });
  const minted = (
    name: string,
    reference: string,
    extra: (as: AuthorizationServer) => Record<string, unknown>,
    status: 401 | 403 = 401,
    route: 'me' | 'create' = 'me',
  ): AttackCase => ({
    name,
    reference,
    status,
    async request({ as }) {
      const token = await as.mintAccessToken({ sub: 'attacker', ...extra(as) });
      return route === 'me' ? me(token) : createOrder(token);
    },
  });
  return [
    numeric('exp', '1e400', '1e400 (Infinity once parsed)', 'RFC 7519 §2 (NumericDate), §4.1.4'),
    numeric('exp', '"99999999999"', 'a numeric string', 'RFC 7519 §2, §4.1.4'),
    numeric('exp', 'true', 'true', 'RFC 7519 §2, §4.1.4'),
    numeric('nbf', '1e400', '1e400', 'RFC 7519 §4.1.5'),
    numeric('iat', '1e400', '1e400 (issued in the infinite future)', 'RFC 7519 §4.1.6'),
    numeric('exp', '1e-400', '1e-400 (0 once parsed)', 'RFC 7519 §4.1.4'),
    minted('an expired token replayed', 'RFC 6750 §5.1, §5.3; RFC 7519 §4.1.4', () => ({
      exp: now() - 3600,
      iat: now() - 7200,
    })),
    minted('no exp at all', 'RFC 9068 §2.2; RFC 6750 §5.3', () => ({ exp: undefined })),
    minted(
      'iss as an array containing the trusted issuer',
      'RFC 7519 §4.1.1; CVE-2025-30144 (fast-jwt)',
      (as) => ({ iss: [as.issuer, 'https://evil.example'] }),
    ),
    minted('iss with a trailing slash added', 'RFC 8725 §3.8; RFC 8414 §3.3', (as) => ({
      iss: `${as.issuer}/`,
    })),
    minted('iss in upper case', 'RFC 8725 §3.8', (as) => ({ iss: as.issuer.toUpperCase() })),
    minted(
      'a token for another API (audience substitution)',
      'RFC 6750 §5.1 (token redirect); RFC 8725 §3.9',
      () => ({ aud: 'https://other-api.example.com' }),
    ),
    minted('aud extended with a suffix', 'RFC 8725 §3.9', (as) => ({
      aud: `${as.audience}.evil.example`,
    })),
    minted('aud cut to a prefix', 'RFC 8725 §3.9', (as) => ({ aud: as.audience.slice(0, -4) })),
    minted('aud as an object', 'RFC 7519 §4.1.3', (as) => ({ aud: { [as.audience]: true } })),
    minted('no aud at all', 'RFC 9068 §4; RFC 8725 §3.9', () => ({ aud: undefined })),
    minted(
      'scp widening a narrower scope claim',
      'RFC 9068 §2.2.3 (scope); a token must not mean two things',
      () => ({ scope: 'orders:read', scp: ['orders:write'] }),
      403,
      'create',
    ),
    minted(
      'scope as an array',
      'RFC 9068 §2.2.3; RFC 6749 §3.3 (space-delimited string)',
      () => ({ scope: ['orders:write'] }),
      401,
      'create',
    ),
    minted('a bound token (cnf.jkt) sent as a bearer token', 'RFC 9449 §7.2 (downgrade)', () => ({
      cnf: { jkt: createDpopKey().thumbprint },
    })),
    minted('cnf as a string', 'RFC 7800 §3.1', () => ({ cnf: 'jkt' })),
  ];
}
