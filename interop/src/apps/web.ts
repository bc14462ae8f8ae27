import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { type AuthContext, createTokenGuard, type TokenGuard } from '@tokenguard/core';
import {
  CONFORMANCE_ROUTES,
  CONFORMANCE_SCOPES,
  type ConformanceRoute,
  conformanceBody,
} from '@tokenguard/suites';
import {
  applyResponseHeaders,
  type OptionalAuthenticator,
  optionalToken,
  protectedResourceMetadata,
  requireToken,
} from '@tokenguard/web';
import { closeServer, listening, type StartApi } from './api.js';

/**
 * A route's authenticators as a `@tokenguard/web` user states two levels: the outer level's
 * authenticator first (optional when it lets anonymous requests through), then the route's own.
 * The second one with the same guard checks its requirements on the principal the first verified.
 */
function authenticators(guard: TokenGuard, route: ConformanceRoute): OptionalAuthenticator[] {
  if (route.protection === 'public') return [];
  const own = { scopes: route.scopes, anyScopes: route.anyScopes, claims: route.claims };
  const chain: OptionalAuthenticator[] = [];
  if (route.outer !== undefined) {
    const { optional, ...outer } = route.outer;
    chain.push(optional ? optionalToken(guard, outer) : requireToken(guard, outer));
  }
  chain.push(
    route.protection === 'optional' ? optionalToken(guard, own) : requireToken(guard, own),
  );
  return chain;
}

/** The conformance routes as one fetch handler (what `Bun.serve`, `Deno.serve` or Next.js run). */
export function webFetchHandler(guard: TokenGuard): (request: Request) => Promise<Response> {
  const metadata =
    guard.protectedResourceMetadata() === undefined
      ? undefined
      : protectedResourceMetadata(guard, { scopesSupported: CONFORMANCE_SCOPES });
  const routes = new Map(
    CONFORMANCE_ROUTES.map((route) => [
      `${route.method} ${route.path}`,
      { route, chain: authenticators(guard, route) },
    ]),
  );
  return async (request) => {
    const served = metadata?.(request);
    if (served !== undefined) return served;
    const url = new URL(request.url);
    const entry = routes.get(`${request.method} ${url.pathname}`);
    if (entry === undefined) return new Response(null, { status: 404 });
    let auth: AuthContext | undefined;
    for (const authenticate of entry.chain) {
      const outcome = await authenticate(request);
      if (outcome instanceof Response) return outcome;
      auth = outcome;
    }
    const response = Response.json(conformanceBody(entry.route, auth), {
      status: entry.route.status,
    });
    if (auth?.responseHeaders) applyResponseHeaders(response.headers, auth.responseHeaders);
    return response;
  };
}

function serveOnNode(fetch: (request: Request) => Promise<Response>): Server {
  return serve({ fetch, port: 0, hostname: '127.0.0.1' }) as Server;
}

/**
 * The conformance API as a plain fetch handler over `@tokenguard/web`, on Node through
 * `@hono/node-server` (no Hono app): the `Request` path every fetch-style server takes, with
 * headers read from the `Headers` object (no `rawHeaders`).
 */
export const webApi: StartApi = async (options) => {
  const guard = createTokenGuard(options);
  // Fail fast, as a fetch-style app does it: the keys before the server is started.
  if (options.warmUp === 'fail') {
    await guard.warmUp().catch(async (error: unknown) => {
      await guard.close();
      throw error;
    });
  }
  const server = serveOnNode(webFetchHandler(guard));
  return {
    baseUrl: await listening(server),
    async close() {
      await closeServer(server);
      await guard.close();
    },
  };
};
