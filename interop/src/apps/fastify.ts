import fastifyCookie from '@fastify/cookie';
import type { AuthRequirements } from '@tokenguard/core';
import { tokenGuard } from '@tokenguard/fastify';
import {
  CONFORMANCE_ROUTES,
  CONFORMANCE_SCOPES,
  conformanceBody,
  type ModelRequirements,
} from '@tokenguard/suites';
import Fastify, { type FastifyInstance, type onRequestHookHandler } from 'fastify';
import type { ServeLevels, StartApi } from './api.js';

/**
 * How the app protects its routes: `global: true` with route `config` (`public`, `optional`,
 * scopes), or per-route `app.requireToken()` hooks.
 */
export type FastifyStyle = 'global' | 'per-route';

/**
 * Two levels as Fastify states them: the outer one in the route's `config`, the route's own in its
 * `requireToken()` hook. In either style: under `global: true` the config applies through the
 * plugin's hook, per route through the route's own hook.
 */
function levels(
  app: FastifyInstance,
  config: AuthRequirements & { optional?: boolean },
  hook: AuthRequirements | undefined,
): { config: AuthRequirements & { optional?: boolean }; onRequest?: onRequestHookHandler } {
  return hook === undefined ? { config } : { config, onRequest: app.requireToken(hook) };
}

async function registered(
  options: Parameters<StartApi>[0],
  style: FastifyStyle,
  cookies?: '@fastify/cookie',
): Promise<FastifyInstance> {
  const app = Fastify();
  // Registered first, so its onRequest hook has parsed request.cookies when the guard's runs.
  if (cookies === '@fastify/cookie') await app.register(fastifyCookie);
  await app.register(tokenGuard, {
    ...options,
    global: style === 'global',
    // RFC 9728 metadata needs a resource: the conformance guard has one, others may not.
    ...(options.resource !== undefined && { metadata: { scopesSupported: CONFORMANCE_SCOPES } }),
  });
  return app;
}

/**
 * The conformance API on Fastify, in either style. A route with an outer level has both levels,
 * in either style. With `inject`, the table's requests go through `app.inject()` (the app still
 * listens: DPoP proofs name its URL, and the replay case sends a proof over HTTP first). With
 * `cookies: '@fastify/cookie'` that plugin parses cookies and the guard reads `request.cookies`;
 * without it core parses the `Cookie` header.
 */
export function fastifyApi(
  style: FastifyStyle,
  via: 'http' | 'inject' = 'http',
  { cookies }: { cookies?: '@fastify/cookie' } = {},
): StartApi {
  return async (options) => {
    const app = await registered(options, style, cookies);
    for (const route of CONFORMANCE_ROUTES) {
      const own = { scopes: route.scopes, anyScopes: route.anyScopes, claims: route.claims };
      const handler = async (
        request: { auth: { subject?: string } | null },
        reply: { code(n: number): unknown },
      ) => {
        reply.code(route.status);
        return conformanceBody(route, request.auth);
      };
      const { method, path: url } = route;
      if (route.outer !== undefined) {
        app.route({ method, url, ...levels(app, route.outer, own), handler });
      } else if (style === 'global') {
        const config = {
          ...own,
          public: route.protection === 'public',
          optional: route.protection === 'optional',
        };
        app.route({ method, url, config, handler });
      } else {
        const onRequest =
          route.protection === 'public'
            ? undefined
            : route.protection === 'optional'
              ? app.optionalToken()
              : app.requireToken(own);
        app.route({ method, url, ...(onRequest && { onRequest }), handler });
      }
    }
    let baseUrl: string;
    try {
      // With `warmUp: 'fail'`, the plugin's onReady rejects when the keys cannot be had.
      baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
    } catch (error) {
      await app.close();
      throw error;
    }
    const host = new URL(baseUrl).host;
    return {
      baseUrl,
      ...(via === 'inject' && {
        async transport(request) {
          const response = await app.inject({
            method: request.method,
            url: request.path,
            headers: { host, ...request.headers },
          });
          const headers: Record<string, string | string[] | undefined> = {};
          for (const [name, value] of Object.entries(response.headers)) {
            headers[name] = Array.isArray(value) || value === undefined ? value : String(value);
          }
          return { status: response.statusCode, headers, text: response.body };
        },
      }),
      close: () => app.close(),
    };
  };
}

/**
 * The composition property's routes on Fastify, through `app.inject()`: each route's first level
 * in its `config`, its second (if any) in its `requireToken()` hook. A route whose levels cannot
 * be composed is refused when it is declared.
 */
export function fastifyLevels(style: FastifyStyle): ServeLevels {
  return async (options, routes) => {
    const app = await registered(options, style);
    const refusals = routes.map(([config = {}, hook]: readonly ModelRequirements[], i) => {
      try {
        app.get(`/r${i}`, levels(app, config, hook), async () => 'ok');
        return undefined;
      } catch (error) {
        return error;
      }
    });
    return {
      refusals,
      async get(path, token) {
        const res = await app.inject({ url: path, headers: { authorization: `Bearer ${token}` } });
        return {
          status: res.statusCode,
          error: res.statusCode === 200 ? undefined : res.json().error,
        };
      },
      close: () => app.close(),
    };
  };
}
