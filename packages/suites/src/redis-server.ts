import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createServer, Socket } from 'node:net';

let available: boolean | undefined;

/**
 * Whether a real `redis-server` can be started here.
 *
 * @example
 * ```ts
 * if (!redisServerAvailable()) console.warn('no redis-server');
 * ```
 */
export function redisServerAvailable(): boolean {
  available ??= spawnSync('redis-server', ['--version']).status === 0;
  return available;
}

/**
 * Why Redis tests are skipped, or `undefined` when they run; prints the reason. In CI (`CI` set) a
 * missing `redis-server` is an error, not a skip: `.ci/run` installs it.
 *
 * @example
 * ```ts
 * const skip = redisSkipReason();
 * describe.skipIf(skip !== undefined)('with Redis', () => { … });
 * ```
 */
export function redisSkipReason(): string | undefined {
  if (redisServerAvailable()) return undefined;
  if (process.env.CI) {
    throw new Error(
      'redis-server is not installed, and CI is set: .ci/run should have installed it',
    );
  }
  const reason =
    'redis-server is not installed (apt-get install redis-server); Redis tests skipped';
  console.warn(`[tokenguard] ${reason}`);
  return reason;
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(200, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(port, '127.0.0.1', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}

/** A real `redis-server` on a loopback port of its own, without persistence. */
export interface RedisServer {
  port: number;
  url: string;
  /** Kills the server (SIGKILL: as abrupt as a crash). */
  kill(): Promise<void>;
  /** Starts it again on the same port. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts a real `redis-server` (the Debian package) on a free loopback port, without persistence,
 * for tests of shared state; `kill()` and `restart()` simulate an outage.
 *
 * @example
 * ```ts
 * const redis = await startRedisServer();
 * const store = createRedisStore({ url: redis.url });
 * await redis.stop();
 * ```
 */
export async function startRedisServer(): Promise<RedisServer> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const launch = async () => {
    child = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--protected-mode',
        'no',
      ],
      { stdio: 'ignore' },
    );
    for (let i = 0; i < 100; i++) {
      if (await ping(port)) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`redis-server did not start on port ${port}`);
  };
  const kill = async () => {
    if (child === undefined || child.exitCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
    child = undefined;
  };
  await launch();
  return { port, url: `redis://127.0.0.1:${port}`, kill, restart: launch, stop: kill };
}
