// Hono 4 on Node (@hono/node-server): no auth, tokenguard (@tokenguard/hono), and Hono's own
// JWKS middleware (hono/jwk), each registered the way its docs show, in front of the same route.
// hono/jwk with `jwks_uri` fetches the key set on every request (hono's verifyWithJwks); with
// `keys` fetched once at start it does no network call: that row is its best case.

import { once } from 'node:events';
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { type Context, Hono, type MiddlewareHandler } from 'hono';
import { answer, PATH } from './shared.js';
import type { ServerConfig } from './types.js';

interface Protection {
  middleware?: MiddlewareHandler;
  subject(c: Context): unknown;
}

const fromJwk = (c: Context) => (c.get('jwtPayload') as { sub?: unknown } | undefined)?.sub;

async function protect(config: ServerConfig): Promise<Protection> {
  const { issuer, audience, jwksUri } = config.as;
  switch (config.contender) {
    case 'none':
      return { subject: () => undefined };
    case 'noop-middleware':
      return { middleware: (_c, next) => next(), subject: () => undefined };
    case 'tokenguard':
      return {
        middleware: (await import('@tokenguard/hono')).tokenGuard({
          issuer,
          audience,
          tokenTypes: ['JWT'],
        }),
        subject: (c) => (c.get('auth' as never) as { subject?: unknown } | undefined)?.subject,
      };
    case 'hono/jwk': {
      const { jwk } = await import('hono/jwk');
      return {
        middleware: jwk({
          jwks_uri: jwksUri,
          alg: ['RS256'],
          verification: { iss: issuer, aud: audience },
        }),
        subject: fromJwk,
      };
    }
    case 'hono/jwk+keys': {
      const { jwk } = await import('hono/jwk');
      const { keys } = (await (await fetch(jwksUri)).json()) as { keys: never[] };
      return {
        middleware: jwk({ keys, alg: ['RS256'], verification: { iss: issuer, aud: audience } }),
        subject: fromJwk,
      };
    }
    default:
      throw new Error(`hono: unknown contender ${config.contender}`);
  }
}

export async function start(config: ServerConfig): Promise<Server> {
  const app = new Hono();
  const { middleware, subject } = await protect(config);
  if (middleware !== undefined) app.use(PATH, middleware);
  app.get(PATH, (c) => c.json(answer(subject(c))));
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }) as Server;
  if (!server.listening) await once(server, 'listening');
  return server;
}
