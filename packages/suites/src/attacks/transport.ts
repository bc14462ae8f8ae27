// Attack table, where the token travels (RFC 6750 §2, §5.3).

import { me } from './helpers.js';
import type { AttackCase } from './types.js';

export function transportCases(): AttackCase[] {
  return [
    {
      name: 'a token in the query string, which the API does not accept',
      reference: 'RFC 6750 §2.3, §5.3',
      status: 401,
      async request({ as }) {
        const token = await as.mintAccessToken();
        return { method: 'GET', path: `/me?access_token=${token}`, headers: {}, secrets: [token] };
      },
    },
    {
      name: 'two Authorization headers (a valid token, then a forged one)',
      reference: 'RFC 6750 §2; RFC 9110 §5.3',
      status: 400,
      async request({ as }) {
        const valid = await as.mintAccessToken();
        const forged = await as.mintAccessToken({ sub: 'attacker' }, { key: 'unpublished' });
        return {
          method: 'GET',
          path: '/me',
          headers: { authorization: [`Bearer ${valid}`, `Bearer ${forged}`] },
          secrets: [valid, forged],
        };
      },
    },
    {
      name: 'an 8 KiB + 1 token (header bloat)',
      reference: 'RFC 6750 §5.3; CWE-400',
      status: 401,
      request: async () => me('A'.repeat(8193)),
    },
  ];
}
