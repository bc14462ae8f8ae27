import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type AuthorizationServer, createAuthorizationServer } from '@tokenguard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AttackCase,
  attackCases,
  expectedAttackResult,
  runAttackCase,
  startTrap,
  type Trap,
} from '../src/index.js';

describe('the attack table', () => {
  const cases = attackCases();

  it('names every case once, with a reference and a rejecting status', () => {
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
    for (const attack of cases) {
      expect(attack.reference, attack.name).toMatch(/\b(RFC \d+|CVE-\d{4}-\d+|CWE-\d+)/);
      expect([400, 401, 403], attack.name).toContain(attack.status);
    }
  });

  it('expects nothing echoed, no trap hit, only the upstream calls a case allows, and a 200 after', () => {
    const attack = cases.find((c) => c.upstream?.jwks === 1) as AttackCase;
    expect(expectedAttackResult(attack)).toEqual({
      status: attack.status,
      echoed: [],
      trapHits: 0,
      upstream: { jwks: 1, introspection: 0, metadata: 0, token: 0 },
      control: 200,
    });
  });
});

// The harness must see what a broken API does: here one that trusts any token,
// follows `jku`, refetches the JWKS on every request and echoes the kid.
describe('runAttackCase against a deliberately vulnerable API', () => {
  let as: AuthorizationServer;
  let trap: Trap;
  let server: Server;
  let baseUrl: string;

  beforeAll(async () => {
    as = await createAuthorizationServer();
    trap = await startTrap();
    server = createServer(async (req, res) => {
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
      const [h] = token.split('.');
      let header: { jku?: unknown; kid?: unknown } = {};
      try {
        header = JSON.parse(Buffer.from(h ?? '', 'base64url').toString('utf8'));
      } catch {
        // Not a JWT: taken on trust, like everything else here.
      }
      await fetch(as.jwksUri);
      if (typeof header.jku === 'string') await fetch(header.jku);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ token, kid: header.kid }));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server?.closeAllConnections();
    server?.close();
    await trap?.close();
    await as?.close();
  });

  const find = (name: string) => attackCases().find((c) => c.name.startsWith(name)) as AttackCase;

  it('reports the 200, the echoed token and the extra JWKS fetch of an unsigned token', async () => {
    const result = await runAttackCase(find('alg "none"'), { as, baseUrl, trap });
    expect(result.status).toBe(200);
    expect(result.echoed).toHaveLength(1);
    expect(result.upstream.jwks).toBe(1);
    expect(result).not.toEqual(expectedAttackResult(find('alg "none"')));
  });

  it("reports a request to the URL a token's jku names", async () => {
    const result = await runAttackCase(find("jku points at the attacker's JWKS"), {
      as,
      baseUrl,
      trap,
    });
    expect(result.trapHits).toBe(1);
  });

  it('reports an echoed kid', async () => {
    const attack = find('kid injection: SQL');
    const result = await runAttackCase(attack, { as, baseUrl, trap });
    expect(result.echoed).toContain("x' UNION SELECT 'secret' --");
  });
});
