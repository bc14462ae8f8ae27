// Running one attack: the guard options the table assumes, what a run must observe, the runner.

import type { AuthorizationServer, RequestCounts } from '@tokenguard/testing';
import { sendRequest } from '../send.js';
import type { Trap } from './trap.js';
import type { AttackCase, AttackResult } from './types.js';

/**
 * Guard options for running the attack table: the server's issuer and audience, introspection
 * with the server's default client (for the opaque-token cases), DPoP on (for the proof and Host
 * cases), and no JWKS cooldown, so that every unknown `kid` reaches the JWKS: the table counts
 * those requests, and the weak keys it publishes mid-run are seen at once.
 */
export function attackGuardOptions(as: AuthorizationServer): {
  issuer: string;
  audience: string;
  introspection: { clientId: string; clientSecret: string };
  dpop: { algorithms: Array<'ES256' | 'EdDSA' | 'RS256'> };
  jwks: { cooldown: number; failureBackoff: number };
} {
  return {
    issuer: as.issuer,
    audience: as.audience,
    introspection: {
      clientId: as.defaultClient.clientId,
      clientSecret: as.defaultClient.clientSecret,
    },
    dpop: { algorithms: ['ES256', 'EdDSA', 'RS256'] },
    jwks: { cooldown: 0, failureBackoff: 0 },
  };
}

/**
 * What {@link runAttackCase} must observe for `attack`: its status, nothing echoed, no trap hit,
 * the upstream requests it allows (0 unless the case says otherwise), and a 200 for the valid
 * token sent afterwards.
 *
 * @example
 * ```ts
 * expect(await runAttackCase(attack, { as, baseUrl, trap })).toEqual(expectedAttackResult(attack));
 * ```
 */
export function expectedAttackResult(attack: AttackCase): AttackResult {
  return {
    status: attack.status,
    echoed: [],
    trapHits: 0,
    upstream: {
      jwks: attack.upstream?.jwks ?? 0,
      introspection: attack.upstream?.introspection ?? 0,
      metadata: 0,
      token: 0,
    },
    control: 200,
  };
}

/**
 * Runs one attack against a running API and reports what happened: the status, anything the
 * attacker sent that came back, requests to the trap and to the authorization server, and the
 * status of a valid token sent right after. A valid JWT and a valid opaque token are sent first
 * (they must be accepted), so that discovery and key fetches happen before the attack is counted.
 *
 * @example
 * ```ts
 * const result = await runAttackCase(attack, { as, baseUrl, trap });
 * ```
 */
export async function runAttackCase(
  attack: AttackCase,
  context: { as: AuthorizationServer; baseUrl: string; trap: Trap },
): Promise<AttackResult> {
  const { as, baseUrl, trap } = context;
  const url = new URL('/me', baseUrl);
  const control = async (token: string) =>
    (
      await sendRequest(url, {
        method: 'GET',
        headers: { authorization: `Bearer ${token}` },
      })
    ).status;
  for (const token of [await as.mintAccessToken(), await as.mintOpaqueToken()]) {
    const status = await control(token);
    if (status !== 200)
      throw new Error(`a valid token was not accepted before the attack: ${status}`);
  }
  // A valid JWT, then a valid opaque token: nothing the attack did (a cache, a key set, the
  // introspection backoff) may have poisoned either.
  const afterwards = async () => {
    const jwt = await control(await as.mintAccessToken());
    return jwt !== 200 ? jwt : control(await as.mintOpaqueToken());
  };
  const req = await attack.request({ as, baseUrl, trapUrl: trap.url });
  const hitsBefore = trap.hits;
  const countsBefore = as.counts;
  const res = await sendRequest(new URL(req.path, baseUrl), req);
  const countsAfter = as.counts;
  const upstream = (name: keyof RequestCounts) => countsAfter[name] - countsBefore[name];
  const visible = `${JSON.stringify(res.headers)}\n${res.text}`;
  const echoed = req.secrets.filter((secret) => secret.length >= 6 && visible.includes(secret));
  return {
    status: res.status,
    echoed,
    trapHits: trap.hits - hitsBefore,
    upstream: {
      jwks: upstream('jwks'),
      introspection: upstream('introspection'),
      metadata: upstream('metadata'),
      token: upstream('token'),
    },
    control: await afterwards(),
  };
}
