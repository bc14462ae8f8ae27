import {
  type AuthorizationServer,
  CONFORMANCE_ROUTES,
  CONFORMANCE_SCOPES,
  conformanceBody,
  conformanceGuardOptions,
} from '@tokenguard/testing';
import Fastify, { type FastifyInstance } from 'fastify';
import { tokenGuard } from '../src/index.js';

/** How the conformance app protects its routes. */
export type Style = 'global' | 'per-route';

/**
 * The conformance API on Fastify: the table's routes, protected either by `global: true` with
 * route config (`public`, `optional`, scopes) or by per-route `app.requireToken()` hooks. A route
 * with an outer level has both, in either style: that level in its `config`, its own
 * requirements in its `requireToken()` hook.
 */
export async function conformanceApp(
  as: AuthorizationServer,
  style: Style,
): Promise<FastifyInstance> {
  const app = Fastify();
  await app.register(tokenGuard, {
    ...conformanceGuardOptions(as),
    global: style === 'global',
    metadata: { scopesSupported: CONFORMANCE_SCOPES },
  });
  for (const route of CONFORMANCE_ROUTES) {
    const own = { scopes: route.scopes, anyScopes: route.anyScopes, claims: route.claims };
    const handler = async (
      request: { auth: { subject?: string } | null },
      reply: { code(n: number): unknown },
    ) => {
      reply.code(route.status);
      return conformanceBody(route, request.auth);
    };
    const { outer } = route;
    if (outer !== undefined) {
      // Two levels, in either style: the outer one in the route's config, the route's own in its
      // requireToken() hook.
      app.route({
        method: route.method,
        url: route.path,
        config: outer,
        onRequest: app.requireToken(own),
        handler,
      });
    } else if (style === 'global') {
      app.route({
        method: route.method,
        url: route.path,
        config: {
          ...own,
          public: route.protection === 'public',
          optional: route.protection === 'optional',
        },
        handler,
      });
    } else {
      const onRequest =
        route.protection === 'public'
          ? undefined
          : route.protection === 'optional'
            ? app.optionalToken()
            : app.requireToken(own);
      app.route({
        method: route.method,
        url: route.path,
        ...(onRequest && { onRequest }),
        handler,
      });
    }
  }
  return app;
}
