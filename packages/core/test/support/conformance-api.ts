import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CONFORMANCE_ROUTES, type ConformanceRoute, conformanceBody } from '@tokenguard/testing';
import { composeRequirements } from '../../src/authorize/compose.js';
import type { AuthRequirements } from '../../src/authorize/requirements.js';
import { AuthError } from '../../src/errors.js';
import type { TokenGuard } from '../../src/index.js';

/**
 * A route's requirements as a bare adapter states them: its outer level, then its own, composed
 * by core. The route's own level says whether it needs a token (`optional`), so an optional outer
 * level cannot open a route that requires one.
 */
export function routeRequirements(route: ConformanceRoute): AuthRequirements {
  return composeRequirements(route.outer, {
    scopes: route.scopes,
    anyScopes: route.anyScopes,
    claims: route.claims,
    optional: route.protection === 'optional',
  });
}

/**
 * The conformance API (`CONFORMANCE_ROUTES`) on node:http and core, the smallest adapter there
 * is: the shared case table and the attack table run through it. Serves the guard's RFC 9728
 * document when it has one.
 */
export async function startConformanceApi(
  guard: TokenGuard,
  metadataOptions: { scopesSupported?: readonly string[] } = {},
): Promise<{ baseUrl: string; close(): Promise<void> }> {
  const metadata = guard.protectedResourceMetadata(metadataOptions);
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
  await once(server, 'listening');
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      server.closeAllConnections();
      server.close();
    },
  };
}
