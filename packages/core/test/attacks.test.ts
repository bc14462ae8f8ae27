import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type AuthorizationServer,
  attackCases,
  attackGuardOptions,
  createAuthorizationServer,
  expectedAttackResult,
  runAttackCase,
  startTrap,
  type Trap,
} from '@tokenguard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenGuard, type TokenGuard } from '../src/create-token-guard.js';
import { AuthError } from '../src/errors.js';

// The attack table (RFC 8725, RFC 9449 §11, RFC 6750 §5, RFC 7662 §4, JWT CVEs) through the
// smallest adapter: node:http and core. interop/ runs the same table through every adapter.
let as: AuthorizationServer;
let guard: TokenGuard;
let server: Server;
let baseUrl: string;
let trap: Trap;

beforeAll(async () => {
  as = await createAuthorizationServer();
  trap = await startTrap();
  guard = createTokenGuard(attackGuardOptions(as));
  server = createServer(async (req, res) => {
    try {
      const auth = await guard.authenticate(
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
        req.method === 'POST' ? { scopes: ['orders:write'] } : {},
      );
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ subject: auth.subject }));
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
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server?.closeAllConnections();
  server?.close();
  await guard?.close();
  await trap?.close();
  await as?.close();
});

describe('attack table through a bare node:http adapter', () => {
  for (const attack of attackCases()) {
    // A case that shows a known, unfixed weakness of core runs as an expected failure; the fix
    // makes it fail until its `weakness` mark is removed from the table.
    const test = attack.weakness === undefined ? it : it.fails;
    test(`${attack.name} [${attack.reference}]`, async () => {
      if (attack.weakness !== undefined) console.warn(`[known weakness] ${attack.weakness}`);
      const result = await runAttackCase(attack, { as, baseUrl, trap });
      expect(result).toEqual(expectedAttackResult(attack));
    });
  }
});
