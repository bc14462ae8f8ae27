import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AuthRequirements } from '../../src/authorize/requirements.js';
import { AuthError } from '../../src/errors.js';
import type { TokenGuard } from '../../src/index.js';

/** What a client of the test API sees. */
export interface ApiResponse {
  status: number;
  headers: Headers;
  challenge: string | null;
  body: unknown;
}

/**
 * A minimal node:http API in front of a guard, the way an adapter would wire it: the request
 * becomes core's `{ method, url, headers, rawHeaders }`, an `AuthError` becomes its response.
 * `GET /<route>` applies `routes[route]` as requirements; 200 answers echo the principal.
 */
export async function startApi(
  guard: TokenGuard,
  routes: Record<string, AuthRequirements> = {},
): Promise<{
  url: string;
  call: (token?: string, init?: CallInit) => Promise<ApiResponse>;
  close: () => Promise<void>;
}> {
  const server: Server = createServer(async (req, res) => {
    const path = (req.url ?? '/').split('?')[0] as string;
    try {
      const auth = await guard.authenticate(
        {
          method: req.method ?? 'GET',
          url: `http://${req.headers.host}${req.url}`,
          headers: req.headers,
          rawHeaders: req.rawHeaders,
        },
        routes[path.slice(1)] ?? {},
      );
      res.writeHead(200, { 'content-type': 'application/json', ...auth?.responseHeaders });
      res.end(
        JSON.stringify(
          auth && {
            principalId: auth.principalId,
            subject: auth.subject,
            clientId: auth.clientId,
            scopes: [...auth.scopes],
            format: auth.format,
            scheme: auth.scheme,
          },
        ),
      );
    } catch (error) {
      if (error instanceof AuthError) {
        const { status, headers, body } = error.toResponse();
        res.writeHead(status, headers).end(body);
      } else {
        res.writeHead(500).end();
      }
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    async call(token, init = {}) {
      const headers: Record<string, string> = { ...init.headers };
      if (token !== undefined) headers.authorization = `${init.scheme ?? 'Bearer'} ${token}`;
      const res = await fetch(`${url}/${init.route ?? ''}`, { headers });
      const text = await res.text();
      return {
        status: res.status,
        headers: res.headers,
        challenge: res.headers.get('www-authenticate'),
        body: text === '' ? undefined : JSON.parse(text),
      };
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface CallInit {
  route?: string;
  scheme?: string;
  headers?: Record<string, string>;
}

/** A clock the test moves; starts at real time so the authorization server's tokens line up. */
export function testClock() {
  let offset = 0;
  return {
    now: () => Date.now() + offset,
    advance(seconds: number) {
      offset += seconds * 1000;
    },
  };
}

export const INVALID_TOKEN =
  'Bearer error="invalid_token", error_description="The access token is invalid"';
export const EXPIRED_TOKEN =
  'Bearer error="invalid_token", error_description="The access token expired"';
