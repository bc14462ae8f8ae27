import type { RequestContext } from '@tokenguard/web';
import type { Context } from 'hono';

interface NodeIncoming {
  rawHeaders: readonly string[];
  socket?: RequestContext['socket'];
}

/**
 * What the server knows beyond the `Request`. On Node, `@hono/node-server` hands the
 * `IncomingMessage` over in `c.env.incoming`: its raw header lines (a repeated `Authorization`
 * header counted exactly) and its TLS socket (the client certificate for mTLS-bound tokens). On
 * Bun, Deno and edge platforms there is none: `undefined`.
 */
export function requestContext(c: Context): RequestContext | undefined {
  const env = c.env as { incoming?: unknown } | undefined;
  const incoming = typeof env === 'object' && env !== null ? env.incoming : undefined;
  if (typeof incoming !== 'object' || incoming === null) return undefined;
  const { rawHeaders, socket } = incoming as Partial<NodeIncoming>;
  if (!Array.isArray(rawHeaders)) return undefined;
  return { rawHeaders, socket };
}
