// The transport under every upstream call (lib/exchange.ts), seen through what a user gets from
// guard.verify(): an introspection endpoint that answers in pieces, too much, too slowly, with
// informational answers first, with two Content-Types, or not at all.
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createTokenGuard, ServiceUnavailableError, type TokenGuard } from '../src/index.js';
import { UpstreamError } from '../src/upstream-error.js';

const ISSUER = 'http://127.0.0.1/issuer';
const ACTIVE = JSON.stringify({
  active: true,
  iss: ISSUER,
  aud: 'https://api.example.com',
  sub: 'alice',
  scope: 'read',
  exp: Math.floor(Date.now() / 1000) + 3600,
});
const open: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (open.length > 0) await open.pop()?.();
});

/** A guard whose introspection endpoint answers with `handler`. */
async function guardFor(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  introspection: { timeout?: number; maxResponseSize?: number } = {},
): Promise<TokenGuard> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => handler(req, res));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  open.push(() => {
    server.closeAllConnections();
    server.close();
  });
  return guardAt(`http://127.0.0.1:${(server.address() as AddressInfo).port}/introspect`, {
    introspection,
  });
}

function guardAt(
  endpoint: string,
  { introspection }: { introspection: { timeout?: number; maxResponseSize?: number } },
): TokenGuard {
  const guard = createTokenGuard({
    issuer: ISSUER,
    audience: 'https://api.example.com',
    jwksUri: 'http://127.0.0.1:9/jwks',
    introspection: { endpoint, clientId: 'api', clientSecret: 'secret', ...introspection },
  });
  open.push(() => guard.close());
  return guard;
}

/** What guard.verify() of an opaque token ends in: the subject, or the 503's reason and cause. */
async function outcome(guard: TokenGuard) {
  try {
    const context = await guard.verify('opaque-token-value-0001');
    return { subject: context.subject };
  } catch (error) {
    if (!(error instanceof ServiceUnavailableError)) throw error;
    const cause = error.cause;
    return {
      status: error.status,
      reason: error.reason,
      failure: cause instanceof UpstreamError ? cause.failure : undefined,
      code: cause instanceof UpstreamError ? cause.code : undefined,
    };
  }
}

describe('the upstream transport, through introspection', () => {
  it('reads an answer sent in several pieces', async () => {
    const guard = await guardFor((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const third = Math.ceil(ACTIVE.length / 3);
      res.write(ACTIVE.slice(0, third));
      setTimeout(() => res.write(ACTIVE.slice(third, 2 * third)), 20);
      setTimeout(() => res.end(ACTIVE.slice(2 * third)), 40);
    });
    expect(await outcome(guard)).toEqual({ subject: 'alice' });
  });

  it('waits past informational (1xx) answers for the real one', async () => {
    const guard = await guardFor((_req, res) => {
      res.writeEarlyHints({ link: '</x>; rel=preload' });
      res.writeHead(200, { 'content-type': 'application/json' }).end(ACTIVE);
    });
    expect(await outcome(guard)).toEqual({ subject: 'alice' });
  });

  it('abandons a body its Content-Length declares too large: 503, too_large', async () => {
    const guard = await guardFor(
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': 5000 });
        res.end(' '.repeat(5000));
      },
      { maxResponseSize: 1024 },
    );
    expect(await outcome(guard)).toMatchObject({
      status: 503,
      reason: 'introspection.too_large',
      failure: 'too_large',
    });
  });

  it('abandons a chunked body once it grows too large: 503, too_large', async () => {
    const guard = await guardFor(
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        for (let i = 0; i < 10; i++) res.write(' '.repeat(500));
        res.end(ACTIVE);
      },
      { maxResponseSize: 1024 },
    );
    expect(await outcome(guard)).toMatchObject({ status: 503, failure: 'too_large' });
  });

  it('holds a body trickled byte by byte to the deadline of the whole exchange', async () => {
    const guard = await guardFor(
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        // Each byte well inside any per-chunk timeout; the whole far beyond the deadline.
        const timer = setInterval(() => res.write(' '), 50);
        res.on('close', () => clearInterval(timer));
      },
      { timeout: 0.4 },
    );
    const started = Date.now();
    expect(await outcome(guard)).toMatchObject({
      status: 503,
      reason: 'introspection.timeout',
      code: 'ETIMEDOUT',
    });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('believes neither of two Content-Types: 503, content_type', async () => {
    const guard = await guardFor((_req, res) => {
      res.setHeader('content-type', ['application/json', 'text/html']);
      res.writeHead(200).end(ACTIVE);
    });
    expect(await outcome(guard)).toMatchObject({ status: 503, failure: 'content_type' });
  });

  it('asks once more when the server closes a kept-alive connection under the request', async () => {
    const served = new WeakMap<object, number>();
    let dropped = 0;
    const guard = await guardFor((req, res) => {
      const count = (served.get(req.socket) ?? 0) + 1;
      served.set(req.socket, count);
      // The second request on a connection: closed without an answer, as a server whose idle
      // timeout (not announced in a Keep-Alive header) struck as the request arrived.
      if (count === 2) {
        dropped++;
        req.socket.destroy();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(ACTIVE);
    });
    const subjects: Array<string | undefined> = [];
    for (const n of [1, 2, 3, 4]) {
      // A pause, so that the next call finds the connection idle and reuses it.
      await new Promise((resolve) => setTimeout(resolve, 20));
      subjects.push((await guard.verify(`opaque-token-value-000${n}`)).subject);
    }
    expect(subjects).toEqual(['alice', 'alice', 'alice', 'alice']);
    expect(dropped).toBeGreaterThan(0);
  });

  it('names the system error of a refused connection', async () => {
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    server.close();
    await once(server, 'close');
    const guard = guardAt(`http://127.0.0.1:${port}/introspect`, { introspection: {} });
    expect(await outcome(guard)).toMatchObject({
      status: 503,
      failure: 'network',
      code: 'ECONNREFUSED',
    });
  });
});
