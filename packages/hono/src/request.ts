import type { Socket } from 'node:net';
import type { RequestHeaders } from '@tokenguard/core';
import type { RequestReader } from '@tokenguard/core/adapter';
import type { Context } from 'hono';

/** The part of Node's `IncomingMessage` (or `Http2ServerRequest`) core reads. */
export interface NodeIncoming {
  method?: string;
  url?: string;
  headers: RequestHeaders & { host?: string; ':authority'?: string };
  rawHeaders: readonly string[];
  socket?: Socket & { encrypted?: boolean };
}

/**
 * How core reads the Node request under `@hono/node-server`, as the Express and Fastify adapters
 * read theirs: Node's parsed headers and raw header lines (a repeated `Authorization` counted
 * exactly), the TLS socket (`https` and the client certificate), the Host the client sent and
 * the path as received — the same parts `@hono/node-server` builds `c.req.url` from.
 */
export const nodeReader: RequestReader<NodeIncoming> = {
  method: (incoming) => incoming.method ?? 'GET',
  headers: (incoming) => incoming.headers,
  rawHeaders: (incoming) => incoming.rawHeaders,
  protocol: (incoming) => (incoming.socket?.encrypted === true ? 'https' : 'http'),
  host: (incoming) => incoming.headers.host ?? incoming.headers[':authority'],
  path: (incoming) => incoming.url ?? '/',
  body: () => undefined,
  socket: (incoming) => incoming.socket,
};

/** `c.env.incoming` when `@hono/node-server` serves the app, else `undefined`. */
export function nodeIncoming(c: Context): NodeIncoming | undefined {
  const env = c.env as { incoming?: unknown } | undefined;
  const incoming = typeof env === 'object' && env !== null ? env.incoming : undefined;
  if (typeof incoming !== 'object' || incoming === null) return undefined;
  const { headers, rawHeaders } = incoming as Partial<NodeIncoming>;
  if (typeof headers !== 'object' || headers === null || !Array.isArray(rawHeaders)) {
    return undefined;
  }
  return incoming as NodeIncoming;
}

/**
 * The object a request's authentication is recorded on, for a later `tokenGuard()` of the same
 * guard and for `requireScopes()`: the Node request on Node, else the `Request`. Every
 * middleware of a request sees the same one.
 */
export function stateKey(c: Context): object {
  return nodeIncoming(c) ?? c.req.raw;
}
