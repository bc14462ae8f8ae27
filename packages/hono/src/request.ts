import type { Socket } from 'node:net';
import type { RequestHeaders, RequestView } from '@tokenguard/core';
import { type RequestReader, requestView } from '@tokenguard/core/adapter';
import { webRequestView } from '@tokenguard/web';
import type { Context } from 'hono';

/** The part of Node's `IncomingMessage` (or `Http2ServerRequest`) core reads. */
interface NodeIncoming {
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
const nodeReader: RequestReader<NodeIncoming> = {
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
function nodeIncoming(c: Context): NodeIncoming | undefined {
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
 * Core's view of the request. On Node, `@hono/node-server` hands its `IncomingMessage` over in
 * `c.env.incoming`, and core reads it directly: Node has already parsed its headers, whereas
 * `c.req.raw.headers` would make `@hono/node-server` build a Fetch `Headers` object (about 5 KB
 * per request) just for tokenguard to read two of them. On Bun, Deno and edge platforms there is
 * no such request: core reads the `Request` through `@tokenguard/web`.
 */
export function honoRequestView(c: Context): RequestView {
  const incoming = nodeIncoming(c);
  return incoming === undefined
    ? webRequestView(c.req.raw)
    : requestView<NodeIncoming>(incoming, nodeReader);
}
