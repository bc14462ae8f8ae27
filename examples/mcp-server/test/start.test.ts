import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

// The README's `start` commands: the server comes up with its own authorization server and
// answers an unauthenticated MCP request with the challenge that starts discovery.
describe.each([[[]], [['hono']]])('pnpm start %j', (args) => {
  it('serves the MCP server and says where', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], {
      cwd: root,
      env: { ...process.env, PORT: '0', TOKENGUARD_ISSUER: '' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const lines = createInterface({ input: child.stdout });
      let url = '';
      for await (const line of lines) {
        const match = /^MCP server \((express|hono)\): (\S+)$/.exec(line);
        if (match?.[2] !== undefined) {
          expect(match[1]).toBe(args[0] ?? 'express');
          url = match[2];
          break;
        }
      }
      const res = await fetch(url, { method: 'POST', body: '{}' });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toContain(
        `resource_metadata="${new URL(url).origin}/.well-known/oauth-protected-resource/mcp"`,
      );
    } finally {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  });
});
