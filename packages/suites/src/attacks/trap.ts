// The trap server of the attack table: the URLs that tokens name point at it, and it counts hits.

import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A loopback server that counts requests: URLs in tokens point at it. */
export interface Trap {
  url: string;
  readonly hits: number;
  close(): Promise<void>;
}

/**
 * Starts a trap server for {@link runAttackCase}. It answers everything with an empty JWKS.
 *
 * @example
 * ```ts
 * const trap = await startTrap();
 * // … run attacks …
 * expect(trap.hits).toBe(0);
 * ```
 */
export async function startTrap(): Promise<Trap> {
  let hits = 0;
  const server = createServer((_req, res) => {
    hits++;
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"keys":[]}');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get hits() {
      return hits;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
