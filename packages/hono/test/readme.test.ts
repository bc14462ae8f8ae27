import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type AuthorizationServer, createAuthorizationServer } from '@tokenguard/testing';
import type { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The README's quick start, as written, with its last line (serving on port 3000) replaced by an
// export: the test drives the app through app.request() with the variables the README names.
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const quickStart = /## Quick start\s+```ts\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
const file = join(root, 'test', `readme-quick-start.${process.pid}.tmp.ts`);

let as: AuthorizationServer;
let app: Hono;
const saved = { ...process.env };
beforeAll(async () => {
  as = await createAuthorizationServer();
  process.env.TOKENGUARD_ISSUER = as.issuer;
  process.env.TOKENGUARD_AUDIENCE = as.audience;
  process.env.TOKENGUARD_RESOURCE = 'https://api.example.com';
  const source = quickStart.replace(/^serve\(.*$/m, 'export default app;');
  expect(source).toContain('export default app;');
  writeFileSync(file, source);
  app = (await import(file)).default;
});
afterAll(async () => {
  rmSync(file, { force: true });
  for (const name of Object.keys(process.env)) {
    if (name.startsWith('TOKENGUARD_')) delete process.env[name];
  }
  Object.assign(process.env, saved);
  await as?.close();
});

describe("the README's quick start", () => {
  it('serves /health, the metadata, and protects /api/*', async () => {
    expect((await app.request('/health')).status).toBe(200);
    const metadata = await app.request('/.well-known/oauth-protected-resource');
    expect(await metadata.json()).toMatchObject({
      scopes_supported: ['orders:read', 'orders:write'],
    });
    expect((await app.request('/api/me')).status).toBe(401);
    const token = await as.mintAccessToken({ scope: 'orders:read' });
    const me = await app.request('/api/me', { headers: { authorization: `Bearer ${token}` } });
    expect(await me.json()).toEqual({ user: `${as.issuer}|user-123` });
    const write = await app.request('/api/orders', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(write.status).toBe(403);
  });
});
