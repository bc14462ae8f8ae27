import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { createTokenGuard, type TokenGuard } from '@tokenguard/core';
import { expressMcpApp } from './express-app.js';
import { honoMcpApp } from './hono-app.js';

/** A running notes MCP server. */
export interface RunningMcpServer {
  /** The server's canonical URL: its RFC 8707 resource and its tokens' audience. */
  url: string;
  guard: TokenGuard;
  close(): Promise<void>;
}

/**
 * Starts the notes MCP server on Express or Hono (on Node), protected by a guard that trusts
 * `issuer` and accepts only tokens issued for the server's own URL (`http://host:port/mcp`).
 * DPoP-bound tokens are accepted too (optional, RFC 9449).
 */
export async function startMcpServer(options: {
  framework: 'express' | 'hono';
  issuer: string;
  port?: number;
  host?: string;
}): Promise<RunningMcpServer> {
  const server: Server = createServer();
  await new Promise<void>((resolve) =>
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve),
  );
  const { port } = server.address() as AddressInfo;
  const url = `http://${options.host === 'localhost' ? 'localhost' : '127.0.0.1'}:${port}/mcp`;
  const guard = createTokenGuard({
    issuer: options.issuer,
    audience: url, // RFC 8707: tokens for this server, not for any API of the same issuer
    resource: url, // RFC 9728: challenges point to its metadata
    dpop: { algorithms: ['ES256', 'EdDSA'] },
  });
  const listener =
    options.framework === 'express'
      ? expressMcpApp(guard)
      : getRequestListener(honoMcpApp(guard).fetch);
  server.on('request', listener);
  return {
    url,
    guard,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await guard.close();
    },
  };
}
