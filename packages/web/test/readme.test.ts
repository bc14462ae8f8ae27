import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type AuthorizationServer, createAuthorizationServer } from '@tokenguard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The README's quick start, as written (plus an export of its wrapped handler), with the
// variables it names.
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const quickStart = /## Quick start\s+```js\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
const file = join(root, 'test', `readme-quick-start.${process.pid}.tmp.mjs`);

type Handler = (request: Request) => Promise<Response>;
let as: AuthorizationServer;
let snippet: { GET: Handler; handler: Handler };
const saved = { ...process.env };
beforeAll(async () => {
  as = await createAuthorizationServer();
  process.env.TOKENGUARD_ISSUER = as.issuer;
  process.env.TOKENGUARD_AUDIENCE = as.audience;
  writeFileSync(file, `${quickStart}\nexport { handler };\n`);
  snippet = await import(file);
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
  it('GET answers a rejection and the principal', async () => {
    expect((await snippet.GET(new Request('http://api.test/orders'))).status).toBe(401);
    const token = await as.mintAccessToken({ scope: 'orders:read' });
    const res = await snippet.GET(
      new Request('http://api.test/orders', { headers: { authorization: `Bearer ${token}` } }),
    );
    expect(await res.json()).toEqual({ user: `${as.issuer}|user-123`, scopes: ['orders:read'] });
  });

  it('the wrapped handler too', async () => {
    const token = await as.mintAccessToken({ scope: 'orders:write' });
    const res = await snippet.handler(
      new Request('http://api.test/orders', { headers: { authorization: `Bearer ${token}` } }),
    );
    expect(res.status).toBe(403);
  });
});
