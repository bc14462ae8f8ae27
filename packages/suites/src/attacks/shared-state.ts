// Attack table, shared state under floods: the replay memory and the introspection path
// (RFC 9449 §11.1, RFC 7662 §4).

import { randomBytes } from 'node:crypto';
import type { ConformanceRequest } from '../conformance/routes.js';
import { sendRequest } from '../send.js';
import { acceptedDpopRequest, dpopMe, me } from './helpers.js';
import type { AttackCase } from './types.js';

/** Sends `count` requests `at` a time; returns their statuses. */
async function flood(
  baseUrl: string,
  count: number,
  at: number,
  make: (i: number) => Promise<ConformanceRequest> | ConformanceRequest,
): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < count; i += at) {
    const batch = Array.from({ length: Math.min(at, count - i) }, async (_, j) => {
      const req = await make(i + j);
      return (await sendRequest(new URL(req.path, baseUrl), req)).status;
    });
    statuses.push(...(await Promise.all(batch)));
  }
  return statuses;
}

const madeUpToken = () => randomBytes(24).toString('base64url');

/**
 * Shared state under floods: the replay memory must not forget a live `jti` whatever fills the
 * store, and made-up opaque tokens must not become a flood on the authorization server (RFC 7662
 * §4) nor put every other opaque token into the failure backoff. The table's floods are small
 * (core's tests flood at the default sizes); the runner's control sends a valid opaque token too,
 * so an introspection backoff left behind shows.
 */
export function sharedStateCases(): AttackCase[] {
  return [
    {
      name: 'a captured DPoP proof replayed after a flood of 500 made-up opaque tokens',
      reference: 'RFC 9449 §11.1; RFC 7662 §4',
      status: 401,
      async request({ as, baseUrl }) {
        const { captured } = await acceptedDpopRequest(as, baseUrl);
        const statuses = await flood(baseUrl, 500, 50, () => me(madeUpToken()));
        if (statuses.some((status) => status !== 401 && status !== 503)) {
          throw new Error(`a made-up token got ${statuses.find((s) => s !== 401 && s !== 503)}`);
        }
        return captured;
      },
    },
    {
      name: "a captured DPoP proof replayed after 200 of the attacker's own proofs",
      reference: 'RFC 9449 §11.1',
      status: 401,
      async request({ as, baseUrl }) {
        const { key, token, captured } = await acceptedDpopRequest(as, baseUrl, {
          sub: 'attacker',
        });
        const statuses = await flood(baseUrl, 200, 20, () => dpopMe(baseUrl, key, token));
        if (statuses.some((status) => status !== 200 && status !== 503)) {
          throw new Error(
            `one of the attacker's own proofs got ${statuses.find((s) => s !== 200)}`,
          );
        }
        return captured;
      },
    },
    {
      name: '200 made-up opaque tokens in flight against a slow authorization server (token fishing)',
      reference: 'RFC 7662 §4; CWE-770',
      status: 401,
      upstream: { introspection: 1 },
      async request({ as, baseUrl }) {
        as.faults.set('introspection', { delayMs: 200 });
        let statuses: number[];
        try {
          statuses = await flood(baseUrl, 200, 200, () => me(madeUpToken()));
        } finally {
          as.faults.clear('introspection');
        }
        // Core's default introspection.maxConcurrentCalls; the rest wait briefly, then 503.
        const peak = as.peakConcurrency.introspection;
        if (peak > 16) throw new Error(`the authorization server saw ${peak} calls at once`);
        if (statuses.some((status) => status !== 401 && status !== 503)) {
          throw new Error(`a made-up token got ${statuses.find((s) => s !== 401 && s !== 503)}`);
        }
        return me(madeUpToken());
      },
    },
    {
      name: 'a made-up token the authorization server refuses with 413',
      reference: 'RFC 7662 §2.3, §4; RFC 9110 §15.5.14',
      status: 401,
      upstream: { introspection: 1 },
      async request({ as }) {
        // One odd answer about one token must not put every other opaque token into backoff:
        // the runner's control sends a valid opaque token right after.
        as.faults.set('introspection', { status: 413, times: 1 });
        return me(randomBytes(3000).toString('base64url'));
      },
    },
  ];
}
