import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { TokenGuard } from '@tokenguard/core';
import {
  authErrorHandler,
  protectedResourceMetadata,
  requireScopes,
  requireToken,
} from '@tokenguard/express';
import express, { type Express, type RequestHandler } from 'express';
import { calledTools, mcpAuthInfo, notesServer, SCOPES, TOOL_SCOPES } from './notes.js';

/**
 * The notes MCP server on Express. The guard's `resource` is the server's canonical URL
 * (`https://mcp.example.com/mcp`): tokens must be issued for it (`audience`), and every
 * challenge points to its metadata document.
 */
export function expressMcpApp(guard: TokenGuard): Express {
  const app = express();
  // RFC 9728: where clients find the authorization server and the scopes. Public.
  app.use(protectedResourceMetadata(guard, { scopesSupported: SCOPES, resourceName: 'Notes' }));

  const gates = new Map(
    Object.entries(TOOL_SCOPES).map(([tool, scopes]) => [tool, requireScopes(...scopes)]),
  );
  // A tool call needs the tool's scopes: 403 insufficient_scope with scope="…" otherwise.
  const toolScopes: RequestHandler = (req, res, next) => {
    const gate = calledTools(req.body)
      .map((name) => gates.get(name))
      .find((g) => g !== undefined);
    if (gate === undefined) next();
    else gate(req, res, next);
  };

  app.post('/mcp', requireToken(guard), express.json(), toolScopes, async (req, res) => {
    // Stateless: one MCP server and transport per request.
    const server = notesServer();
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    // The SDK's Node transport hands `req.auth` to tools as `extra.authInfo`, in its own shape;
    // tokenguard's decisions (requireScopes) read core's record of the request, not `req.auth`.
    const mcpRequest = req as unknown as Parameters<typeof transport.handleRequest>[0];
    mcpRequest.auth = req.auth && mcpAuthInfo(req.auth);
    await transport.handleRequest(mcpRequest, res, req.body);
  });
  // No sessions, so no stream to open and none to end.
  app.all('/mcp', requireToken(guard), (_req, res) => {
    res.status(405).set('allow', 'POST').end();
  });
  app.use(authErrorHandler());
  return app;
}
