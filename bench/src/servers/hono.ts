// Hono 4 on Node (@hono/node-server): no auth, tokenguard (@tokenguard/hono), and Hono's own
// JWKS middleware (hono/jwk), each registered the way its docs show, in front of the same route.
// hono/jwk with `jwks_uri` fetches the key set on every request (hono's verifyWithJwks); with
// `keys` fetched once at start it does no network call: that row is its best case. hono/jwk
// refuses RFC 9068 `typ: at+jwt` tokens, so every Hono row gets `typ: JWT` ones (src/index.ts).

import { once } from 'node:events';
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { Hono, type MiddlewareHandler } from 'hono';
import { ORDERS, type ServerConfig } from './config.js';

async function protect(config: ServerConfig): Promise<MiddlewareHandler | undefined> {
  const { issuer, audience, jwksUri } = config.as;
  switch (config.contender) {
    case 'none':
      return undefined;
    case 'tokenguard':
      return (await import('@tokenguard/hono')).tokenGuard({
        issuer,
        audience,
        tokenTypes: ['JWT'],
      });
    case 'hono/jwk': {
      const { jwk } = await import('hono/jwk');
      return jwk({
        jwks_uri: jwksUri,
        alg: ['RS256'],
        verification: { iss: issuer, aud: audience },
      });
    }
    case 'hono/jwk+keys': {
      const { jwk } = await import('hono/jwk');
      const { keys } = (await (await fetch(jwksUri)).json()) as { keys: never[] };
      return jwk({ keys, alg: ['RS256'], verification: { iss: issuer, aud: audience } });
    }
    default:
      throw new Error(`hono: unknown contender ${config.contender}`);
  }
}

export async function start(config: ServerConfig): Promise<Server> {
  const app = new Hono();
  const middleware = await protect(config);
  if (middleware !== undefined) app.use('/orders', middleware);
  app.get('/orders', (c) => c.json(ORDERS));
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }) as Server;
  if (!server.listening) await once(server, 'listening');
  return server;
}
