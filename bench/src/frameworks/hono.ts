import type { FrameworkDef } from './types.js';

// hono/jwk refuses RFC 9068 tokens (`typ: at+jwt`), so every Hono row gets RS256 tokens typed
// `JWT`, which tokenguard accepts with `tokenTypes: ['JWT']`.
const JWT_TYPED = { typ: 'JWT' };

/** Hono 4 on Node (@hono/node-server): each middleware registered as its docs show. */
export const hono: FrameworkDef = {
  id: 'hono',
  title: 'Hono 4 on Node',
  contenders: [
    {
      id: 'none',
      label: 'no auth',
      role: 'baseline',
      workloads: { hit: true },
      checks: [],
      tokens: JWT_TYPED,
    },
    {
      // What any middleware costs in Hono: with one handler Hono calls it directly; with a
      // middleware in front it composes the two (a dispatch and a promise per request).
      id: 'noop-middleware',
      label: 'a middleware that only calls `next()` (no auth)',
      role: 'info',
      workloads: { hit: true },
      checks: [],
      tokens: JWT_TYPED,
    },
    {
      id: 'tokenguard',
      label: '**tokenguard** `@tokenguard/hono`',
      role: 'tokenguard',
      workloads: { hit: true, miss: ['RS256'] },
      tokens: JWT_TYPED,
    },
    {
      id: 'hono/jwk',
      label: '`hono/jwk` as documented (`jwks_uri`: the key set fetched per request)',
      role: 'anchor',
      workloads: { miss: ['RS256'] },
      tokens: JWT_TYPED,
      fullOnly: true,
    },
    {
      id: 'hono/jwk+keys',
      label: '`hono/jwk` with `keys` fetched once',
      role: 'anchor',
      workloads: { miss: ['RS256'] },
      tokens: JWT_TYPED,
    },
  ],
  start: async (config) => (await import('./hono-server.js')).start(config),
};
