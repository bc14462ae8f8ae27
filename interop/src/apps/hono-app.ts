// The conformance API on Hono. This file imports only packages (no relative import), so that Bun
// and Deno load it as it is: interop/runtimes/serve-hono.ts serves it there.
import type { AuthContext, TokenGuard, TokenGuardOptions } from '@tokenguard/core';
import { createTokenGuard } from '@tokenguard/core';
import { optionalToken, protectedResourceMetadata, tokenGuard } from '@tokenguard/hono';
import { Hono, type MiddlewareHandler } from 'hono';

/** A conformance route, as `@tokenguard/suites` declares it (passed in, not imported). */
export interface HonoRoute {
  method: 'GET' | 'POST';
  path: string;
  protection: 'public' | 'token' | 'optional';
  scopes?: readonly string[];
  anyScopes?: readonly string[];
  claims?: Readonly<Record<string, unknown>>;
  outer?: {
    anyScopes?: readonly string[];
    claims?: Readonly<Record<string, unknown>>;
    optional?: true;
  };
  status: 200 | 201;
}

/**
 * What a handler answers: `{ route, subject }`, and on `GET /principal` the whole principal, as
 * `conformanceBody()` of `@tokenguard/suites` says (restated here: this file imports no suite, so
 * that Bun and Deno load it as it is; the tables compare the two through every adapter).
 */
function principalBody(route: HonoRoute, auth: AuthContext | undefined) {
  const name = `${route.method} ${route.path}`;
  if (route.path !== '/principal') return { route: name, subject: auth?.subject ?? null };
  return {
    route: name,
    subject: auth?.subject ?? null,
    clientId: auth?.clientId ?? null,
    principalId: auth?.principalId ?? null,
    scopes: [...(auth?.scopes ?? [])].sort(),
    spiffeId: auth?.spiffeId ?? null,
  };
}

/**
 * The conformance routes on one Hono app, as Hono users state them: the outer level as an
 * app-level `app.use(path, …)` middleware (`optionalToken()` when it lets anonymous requests
 * through), the route's own as a `tokenGuard()` in front of its handler, and the metadata route
 * with `app.use(protectedResourceMetadata())`. Handlers answer {@link principalBody}.
 */
export function honoConformanceApp(
  options: TokenGuardOptions,
  routes: readonly HonoRoute[],
  scopesSupported: readonly string[],
): { app: Hono; guard: TokenGuard; close(): Promise<void> } {
  const guard = createTokenGuard(options);
  const app = new Hono();
  if (options.resource !== undefined) {
    app.use(protectedResourceMetadata(guard, { scopesSupported }));
  }
  for (const route of routes) {
    if (route.outer === undefined) continue;
    const { optional, ...outer } = route.outer;
    app.use(
      route.path,
      (optional
        ? optionalToken(guard, outer as never)
        : tokenGuard(guard, outer as never)) as MiddlewareHandler,
    );
  }
  for (const route of routes) {
    const own = { scopes: route.scopes, anyScopes: route.anyScopes, claims: route.claims };
    const handlers: MiddlewareHandler[] = [];
    if (route.protection === 'token') handlers.push(tokenGuard(guard, own as never));
    if (route.protection === 'optional') handlers.push(optionalToken(guard, own as never));
    handlers.push(async (c) => {
      const auth = (c.get as (key: string) => AuthContext | undefined)('auth');
      return c.json(principalBody(route, auth), route.status);
    });
    // Hono's overloads type each handler position; the chain is built as a list here.
    const on = app.on.bind(app) as (
      method: string,
      path: string,
      ...h: MiddlewareHandler[]
    ) => Hono;
    on(route.method, route.path, ...handlers);
  }
  return { app, guard, close: () => guard.close() };
}
