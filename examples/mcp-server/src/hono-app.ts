import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import type { TokenGuard } from '@tokenguard/core';
import {
  protectedResourceMetadata,
  requireScopes,
  type TokenGuardEnv,
  tokenGuard,
} from '@tokenguard/hono';
import { Hono } from 'hono';
import { calledTools, mcpAuthInfo, notesServer, SCOPES, TOOL_SCOPES } from './notes.js';

/** The notes MCP server on Hono (Node, Bun, Deno): the same rules as on Express. */
export function honoMcpApp(guard: TokenGuard): Hono<TokenGuardEnv> {
  const app = new Hono<TokenGuardEnv>();
  app.use(protectedResourceMetadata(guard, { scopesSupported: SCOPES, resourceName: 'Notes' }));
  app.use('/mcp', tokenGuard(guard));

  const gates = new Map(
    Object.entries(TOOL_SCOPES).map(([tool, scopes]) => [tool, requireScopes(...scopes)]),
  );
  app.post('/mcp', async (c, next) => {
    // Hono keeps the parsed body: the handler below reads it again.
    const gate = calledTools(await c.req.json().catch(() => undefined))
      .map((name) => gates.get(name))
      .find((g) => g !== undefined);
    return gate === undefined ? next() : gate(c, next);
  });
  app.post('/mcp', async (c) => {
    const server = notesServer();
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
    });
    await server.connect(transport);
    return transport.handleRequest(c.req.raw, {
      parsedBody: await c.req.json().catch(() => undefined),
      authInfo: mcpAuthInfo(c.get('auth')),
    });
  });
  app.all('/mcp', (c) => c.body(null, 405, { allow: 'POST' }));
  return app;
}
