import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { AuthContext } from '@tokenguard/core';
import { z } from 'zod';

/** The scopes this MCP server understands, advertised in its RFC 9728 metadata. */
export const SCOPES = ['notes:read', 'notes:write'] as const;

/**
 * What each tool needs, checked over HTTP before the call reaches the MCP server, so that a
 * missing scope is a 403 `insufficient_scope` naming every scope the call needs (a client that
 * steps up gets a token that can do it, not one that lost what it had).
 */
export const TOOL_SCOPES: Readonly<Record<string, readonly string[]>> = {
  list_notes: ['notes:read'],
  add_note: ['notes:read', 'notes:write'],
};

/** The tool names a JSON-RPC request (or batch) calls. */
export function calledTools(body: unknown): string[] {
  const messages = Array.isArray(body) ? body : [body];
  const names: string[] = [];
  for (const message of messages) {
    const { method, params } = (message ?? {}) as { method?: unknown; params?: { name?: unknown } };
    if (method === 'tools/call' && typeof params?.name === 'string') names.push(params.name);
  }
  return names;
}

const notes: string[] = ['Buy milk'];

/** A fresh MCP server with the notes tools (stateless: one per HTTP request). */
export function notesServer(): McpServer {
  const server = new McpServer({ name: 'notes', version: '1.0.0' });
  server.registerTool(
    'list_notes',
    { description: 'Lists the notes', inputSchema: {} },
    async () => ({ content: [{ type: 'text', text: JSON.stringify(notes) }] }),
  );
  server.registerTool(
    'add_note',
    { description: 'Adds a note', inputSchema: { text: z.string().max(200) } },
    async ({ text }) => {
      notes.push(text);
      return { content: [{ type: 'text', text: `${notes.length} notes` }] };
    },
  );
  return server;
}

/** tokenguard's verified principal in the shape the SDK hands tools as `extra.authInfo`. */
export function mcpAuthInfo(auth: AuthContext<object>): AuthInfo {
  return {
    token: auth.token,
    clientId: auth.clientId ?? '',
    scopes: [...auth.scopes],
    ...(auth.expiresAt && { expiresAt: Math.floor(auth.expiresAt.getTime() / 1000) }),
  };
}
