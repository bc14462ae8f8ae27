import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type RedisServer, redisSkipReason, startRedisServer } from '@tokenguard/suites';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The README's snippets marked as a file (`// name.mjs`) run here as they stand, from this
// package's directory (so `@tokenguard/core`, `@tokenguard/testing` and `ioredis` resolve as they
// would in an application), against a real redis-server named by REDIS_URL.
const packageDir = fileURLToPath(new URL('..', import.meta.url));
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const snippets = [...readme.matchAll(/```js\n(\/\/ (\S+\.mjs)[^\n]*\n[\s\S]*?)```/g)].map(
  (match) => [match[2] as string, match[1] as string] as const,
);
const skip = redisSkipReason();

function run(code: string, env: Record<string, string>): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--input-type=module', '--eval', code],
      { cwd: packageDir, timeout: 60_000, env: { ...process.env, ...env } },
      (error, _stdout, stderr) =>
        resolve({ code: error === null ? 0 : Number(error.code ?? 1), stderr }),
    );
  });
}

describe('README', () => {
  it('has the snippets this test expects', () => {
    expect(snippets.map(([name]) => name)).toEqual(['revocation.mjs']);
  });

  describe.skipIf(skip !== undefined)(
    'snippets run as written, against a real redis-server',
    () => {
      let redis: RedisServer;
      beforeAll(async () => {
        redis = await startRedisServer();
      });
      afterAll(async () => {
        await redis?.stop();
      });

      it.each(snippets)('%s', async (_name, code) => {
        expect(await run(code, { REDIS_URL: redis.url })).toEqual({ code: 0, stderr: '' });
      });
    },
  );
});
