import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type AuthorizationServer,
  CONFORMANCE_ROUTES,
  CONFORMANCE_SCOPES,
  conformanceBody,
  conformanceCases,
  conformanceGuardOptions,
  createAuthorizationServer,
  runConformanceCase,
} from '@tokenguard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenGuard, type TokenGuard } from '../src/create-token-guard.js';
import { AuthError } from '../src/errors.js';

// The shared adapter table, run against the smallest possible adapter: node:http and core. If
// this passes and an adapter's run fails, the adapter is wrong, not the table.
let as: AuthorizationServer;
let guard: TokenGuard;
let server: Server;
let baseUrl: string;

beforeAll(async () => {
  as = await createAuthorizationServer();
  guard = createTokenGuard(conformanceGuardOptions(as));
  const metadata = guard.protectedResourceMetadata({ scopesSupported: CONFORMANCE_SCOPES })!;
  server = createServer(async (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === metadata.path) {
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
                get url() {
                  return guard.requestUrl({
                    protocol: 'http',
                    host: req.headers.host,
                    path: req.url ?? '/',
                  });
                },
                headers: req.headers,
                rawHeaders: req.rawHeaders,
              },
              {
                scopes: route.scopes,
                anyScopes: route.anyScopes,
                claims: route.claims,
                optional: route.protection === 'optional',
              },
            );
      res.writeHead(route.status, { 'content-type': 'application/json', ...auth?.responseHeaders });
      res.end(JSON.stringify(conformanceBody(route, auth)));
    } catch (error) {
      if (!(error instanceof AuthError)) throw error;
      const { status, headers, body } = error.toResponse();
      res.writeHead(status, headers).end(body);
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server?.closeAllConnections();
  server?.close();
  await guard?.close();
  await as?.close();
});

describe('shared adapter table through a bare node:http adapter', () => {
  it.each(conformanceCases().map((c) => [c.name, c] as const))('%s', async (_name, testCase) => {
    const { actual, expected } = await runConformanceCase(testCase, { baseUrl, as });
    expect(actual).toEqual(expected);
  });
});
