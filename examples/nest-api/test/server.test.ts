import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

// `npm start` as a user runs it: tsx compiles the decorators (with esbuild, so without decorator
// metadata), the local authorization server starts, and the printed commands work.
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsx = join(
  dirname(createRequire(import.meta.url).resolve('tsx/package.json')),
  'dist/cli.mjs',
);

let child: ChildProcess | undefined;
afterEach(async () => {
  if (child !== undefined && child.exitCode === null) {
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await exited;
  }
  child = undefined;
});

/** Starts src/server.ts and resolves with what it printed once it printed the curl lines. */
function start(env: Record<string, string>): Promise<string> {
  const { TOKENGUARD_ISSUER: _issuer, TOKENGUARD_AUDIENCE: _audience, ...inherited } = process.env;
  child = spawn(process.execPath, [tsx, 'src/server.ts'], {
    cwd: root,
    env: { ...inherited, PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child?.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('-d \'{"item"')) resolve(out);
    });
    child?.stderr?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child?.on('exit', (code) => reject(new Error(`server exited with ${code}:\n${out}`)));
  });
}

describe.each(['express', 'fastify'])('npm start with NEST_PLATFORM=%s', (platform) => {
  it('serves the API and prints a client and working curl lines', async () => {
    const out = await start({ NEST_PLATFORM: platform });
    expect(out).toContain(`(NestJS on ${platform})`);
    const api = /orders API\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
    const tokenEndpoint = /(http:\/\/127\.0\.0\.1:\d+\/token)/.exec(out)?.[1];
    const [, id, secret] = /client\s+(\S+) \/ (\S+)/.exec(out) ?? [];
    expect([api, tokenEndpoint, id]).not.toContain(undefined);

    expect((await fetch(`${api}/health`)).status).toBe(200);
    expect((await fetch(`${api}/orders`)).status).toBe(401);
    const grant = await fetch(tokenEndpoint!, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'grant_type=client_credentials',
    });
    const { access_token } = (await grant.json()) as { access_token: string };
    const created = await fetch(`${api}/orders`, {
      method: 'POST',
      headers: { authorization: `Bearer ${access_token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ item: 'cups', quantity: 3 }),
    });
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ placedBy: expect.stringContaining(`|${id}`) });
  });
});
