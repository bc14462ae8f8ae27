import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { AuthContext, RevocationCheck } from '@tokenguard/core';
import { CONFORMANCE_ROUTES, CONFORMANCE_SCOPES } from '@tokenguard/suites';
import { closeServer, listening, type StartApi } from './api.js';

const interop = join(dirname(fileURLToPath(import.meta.url)), '../..');

/** A JavaScript runtime other than Node, and how to run a TypeScript file on it. */
export interface OtherRuntime {
  name: 'Bun' | 'Deno';
  /** The runtime's executable. */
  binary: string;
  /** The arguments before the script's path. */
  args: readonly string[];
}

/** How each runtime runs `src/runtimes/serve-hono.ts` (TypeScript, package imports from interop). */
export function otherRuntime(name: 'Bun' | 'Deno', binary: string): OtherRuntime {
  return name === 'Bun'
    ? { name, binary, args: ['run'] }
    : {
        name,
        binary,
        // node_modules as pnpm laid it out (no Deno cache), `.js` imports of `.ts` files as in
        // NodeNext, and only the permissions the server needs: loopback, env, its own files.
        args: [
          'run',
          '--node-modules-dir=manual',
          '--sloppy-imports',
          '--allow-net=127.0.0.1',
          '--allow-env',
          '--allow-read',
          '--allow-sys',
          '--no-prompt',
        ],
      };
}

/**
 * A function-valued `isRevoked` cannot cross to the other runtime as JSON: it stays here, behind a
 * loopback endpoint that the child's own check calls with the token's claims. The endpoint answers
 * the check's `true` or `false`, or a 500 when it throws or rejects (the child then throws too), so
 * the table's deny-list and failure switches work in the child as they do in this process.
 */
async function revocationEndpoint(
  check: RevocationCheck,
): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    try {
      const claims = JSON.parse(body) as AuthContext['claims'];
      const answer = await check({ claims } as AuthContext);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
    } catch {
      res.writeHead(500).end();
    }
  });
  server.listen(0, '127.0.0.1');
  return { url: await listening(server), close: () => closeServer(server) };
}

/**
 * The conformance API on Hono, served by another runtime (`Bun.serve`, `Deno.serve`) in a child
 * process: Hono, `@tokenguard/hono` and core all run there, while the table and the authorization
 * server run here on Node. The child gets the options and routes on standard input and stops when
 * it closes.
 */
export function honoOnRuntime(runtime: OtherRuntime): StartApi {
  return async (options) => {
    const revocation =
      options.isRevoked === undefined ? undefined : await revocationEndpoint(options.isRevoked);
    const child = spawn(runtime.binary, [...runtime.args, 'src/runtimes/serve-hono.ts'], {
      cwd: interop,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1' },
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.stdin.write(
      `${JSON.stringify({
        options,
        routes: CONFORMANCE_ROUTES,
        scopes: CONFORMANCE_SCOPES,
        revocationUrl: revocation?.url,
      })}\n`,
    );
    const lines = createInterface({ input: child.stdout });
    const exited = once(child, 'exit').then(([code]) => {
      throw new Error(`${runtime.name} exited with ${code} before listening:\n${stderr}`);
    });
    const baseUrl = await Promise.race([
      (async () => {
        for await (const line of lines) {
          if (line.startsWith('listening ')) return line.slice('listening '.length);
        }
        throw new Error(`${runtime.name} closed its output before listening:\n${stderr}`);
      })(),
      exited,
    ]);
    exited.catch(() => {});
    return {
      baseUrl,
      // Closing the input stops the server and the guard (guard.close()); the runtime must then
      // exit cleanly.
      async close() {
        await revocation?.close();
        if (child.exitCode === null) {
          const done = once(child, 'exit');
          child.stdin.end();
          const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
          await done;
          clearTimeout(timer);
        }
        if (child.exitCode !== 0) {
          throw new Error(`${runtime.name} exited with ${child.exitCode} on close:\n${stderr}`);
        }
      },
    };
  };
}
