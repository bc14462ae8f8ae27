// Attack table, composed requirements: an inner level (route, hook, handler) that would replace an
// outer one (guard, route config, controller) instead of adding to it (CWE-863).

import type { AttackCase, AttackRequest } from './types.js';

export function compositionCases(): AttackCase[] {
  const composed = (
    name: string,
    path: string,
    status: 401 | 403,
    tokenClaims?: Record<string, unknown>,
  ): AttackCase => ({
    name,
    reference: 'CWE-863 (incorrect authorization); RFC 6750 §3.1',
    status,
    async request({ as }): Promise<AttackRequest> {
      if (tokenClaims === undefined) return { method: 'GET', path, headers: {}, secrets: [] };
      const token = await as.mintAccessToken(tokenClaims);
      return {
        method: 'GET',
        path,
        headers: { authorization: `Bearer ${token}` },
        secrets: [token],
      };
    },
  });
  return [
    composed(
      "another tenant's token meeting the inner level's claim rules, where the outer level demands the tenant",
      '/tenant/admin',
      403,
      { tenant: 'evilcorp', role: 'admin' },
    ),
    composed(
      "a token with one of the inner level's anyScopes and none of the outer level's",
      '/reports',
      403,
      { scope: 'orders:read' },
    ),
    composed(
      'no token, where the outer level is optional and the route itself requires a scope',
      '/optional/orders',
      401,
    ),
  ];
}
