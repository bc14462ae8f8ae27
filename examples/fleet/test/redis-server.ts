// A real redis-server for this test, on a free loopback port, without persistence. This example
// stands alone (copy it anywhere), so it starts Redis itself rather than through tokenguard's own
// test suites.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';

/** Why the test is skipped (`redis-server` is not installed), or `undefined`; CI must have it. */
export function redisSkipReason(): string | undefined {
  if (spawnSync('redis-server', ['--version']).status === 0) return undefined;
  if (process.env.CI) throw new Error('redis-server is not installed, and CI is set');
  const reason = 'redis-server is not installed (apt-get install redis-server); test skipped';
  console.warn(`[fleet] ${reason}`);
  return reason;
}

/** Starts redis-server and resolves once it accepts connections. */
export async function startRedis(): Promise<{ url: string; stop(): void }> {
  const probe = createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  const child: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let output = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}:\n${output}`)));
  });
  child.stdout?.resume();
  return { url: `redis://127.0.0.1:${port}`, stop: () => child.kill('SIGKILL') };
}
