// Attack table, opaque tokens and introspection (RFC 7662 §4, RFC 7009).

import { type AuthorizationServer, createDpopKey } from '@tokenguard/testing';
import { me } from './helpers.js';
import type { AttackCase } from './types.js';

export function introspectionCases(): AttackCase[] {
  const opaque = (
    name: string,
    reference: string,
    make: (as: AuthorizationServer) => Promise<string>,
    status: 401 | 403 = 401,
  ): AttackCase => ({
    name,
    reference,
    status,
    upstream: { introspection: 1 },
    request: async ({ as }) => me(await make(as)),
  });
  return [
    opaque('a guessed opaque token (token scanning)', 'RFC 7662 §4', async () =>
      Buffer.from(`guessed-${Math.random()}`).toString('base64url'),
    ),
    opaque('a revoked opaque token', 'RFC 7662 §4; RFC 7009 §2', async (as) => {
      const token = await as.mintOpaqueToken({ sub: 'attacker' });
      as.revoke(token);
      return token;
    }),
    opaque('an expired opaque token', 'RFC 7662 §2.2; RFC 6750 §5.3', (as) =>
      as.mintOpaqueToken({ sub: 'attacker' }, { expiresIn: -60 }),
    ),
    opaque('an active opaque token for another API', 'RFC 7662 §4 (audience); RFC 8707', (as) =>
      as.mintOpaqueToken({ sub: 'attacker', aud: 'https://other-api.example.com' }),
    ),
    opaque(
      'an active opaque token from another issuer',
      'RFC 7662 §2.2 (iss); RFC 8725 §3.8',
      (as) => as.mintOpaqueToken({ sub: 'attacker', iss: 'https://evil.example' }),
    ),
    opaque(
      'a refresh token presented as an access token',
      'RFC 7662 §2.2 (token_type); RFC 6749 §1.5',
      (as) => as.mintOpaqueToken({ sub: 'attacker', token_type: 'refresh_token' }),
    ),
    opaque('a DPoP-bound opaque token sent as a bearer token', 'RFC 9449 §7.2, §8.2', (as) =>
      as.mintOpaqueToken({ sub: 'attacker', cnf: { jkt: createDpopKey().thumbprint } }),
    ),
    opaque(
      'an opaque token introspected as token_type DPoP, without cnf.jkt, sent as a bearer token',
      'RFC 9449 §6.2, §7.2; RFC 7662 §2.2 (token_type)',
      (as) => as.mintOpaqueToken({ sub: 'attacker', token_type: 'DPoP' }),
    ),
    opaque(
      'an active opaque token whose introspection answer has no aud',
      'RFC 9700 §2.3 (audience restriction); RFC 7662 §2.2',
      (as) => as.mintOpaqueToken({ sub: 'attacker', aud: undefined }),
    ),
    {
      name: 'an opaque token smuggling another introspection parameter',
      reference: 'RFC 7662 §2.1; RFC 6750 §2.1 (b64token)',
      status: 400,
      async request({ as }) {
        const token = await as.mintOpaqueToken();
        return me(`${token}&token_type_hint=refresh_token&token=${token}`);
      },
    },
  ];
}
