import { createServer } from 'node:http';
import {
  AuthError,
  type AuthRequirements,
  composeRequirements,
  createTokenGuard,
} from '@tokenguard/core';
import {
  CONFORMANCE_ROUTES,
  CONFORMANCE_SCOPES,
  type ConformanceRoute,
  conformanceBody,
} from '@tokenguard/suites';
import { closeServer, listening, type StartApi } from './api.js';

/**
 * A route's requirements as a bare adapter states them: its outer level, then its own, composed
 * by core. The route's own level says whether it needs a token (`optional`), so an optional outer
 * level cannot open a route that requires one.
 */
function routeRequirements(route: ConformanceRoute): AuthRequirements {
  return composeRequirements(route.outer, {
    scopes: route.scopes,
    anyScopes: route.anyScopes,
    claims: route.claims,
    optional: route.protection === 'optional',
  });
}

/**
 * The smallest adapter there is: node:http and core. The request becomes core's
 * `{ method, url, headers, rawHeaders }`, an `AuthError` its response. If the tables pass here and
 * fail through a framework, the framework's adapter is wrong, not the table.
 */
export const nodeHttpApi: StartApi = async (options) => {
  const guard = createTokenGuard(options);
  if (options.warmUp === 'fail') {
    // Fail fast: the keys before the server listens.
    await guard.warmUp().catch(async (error: unknown) => {
      await guard.close();
      throw error;
    });
  }
  const metadata = guard.protectedResourceMetadata({ scopesSupported: CONFORMANCE_SCOPES });
  // Composed once per route, so that core compiles each requirements object once.
  const requirements = new Map(CONFORMANCE_ROUTES.map((r) => [r, routeRequirements(r)] as const));
  for (const [route, required] of requirements) {
    guard.checkRequirements(required, `route ${route.method} ${route.path}`);
  }
  const server = createServer(async (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (metadata !== undefined && req.method === 'GET' && path === metadata.path) {
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify(metadata.document));
      return;
    }
    const route = CONFORMANCE_ROUTES.find((r) => r.method === req.method && r.path === path);
    if (route === undefined) {
      res.writeHead(404).end();
      return;
    }
    try {
      const auth =
        route.protection === 'public'
          ? undefined
          : await guard.authenticate(
              {
                method: req.method ?? 'GET',
                protocol: 'http',
                host: req.headers.host,
                path: req.url ?? '/',
                headers: req.headers,
                rawHeaders: req.rawHeaders,
              },
              requirements.get(route) ?? {},
            );
      res.writeHead(route.status, { 'content-type': 'application/json', ...auth?.responseHeaders });
      res.end(JSON.stringify(conformanceBody(route, auth)));
    } catch (error) {
      if (!(error instanceof AuthError)) {
        res.writeHead(500).end();
        return;
      }
      const { status, headers, body } = error.toResponse();
      res.writeHead(status, headers).end(body);
    }
  });
  server.listen(0, '127.0.0.1');
  return {
    baseUrl: await listening(server),
    async close() {
      await closeServer(server);
      await guard.close();
    },
  };
};
