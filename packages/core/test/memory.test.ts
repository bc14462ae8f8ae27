import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

// A flood of 200,000 distinct tokens, each with a fresh DPoP proof, through one guard. Its
// caches are bounded — verified tokens (LRU, 10,000), proof keys (LRU), the replay store (LRU,
// 100,000 jtis) — so heap growth stays under a stated bound whatever the flood's size.
const COUNT = Number(process.env.MEMORY_FLOOD ?? 200_000);
const BOUND = 96 * 1024 * 1024;

it(`heap growth after ${COUNT.toLocaleString('en')} distinct tokens and proofs stays under 96 MiB`, {
  timeout: 240_000,
}, async () => {
  const here = dirname(fileURLToPath(import.meta.url));
  const output = await new Promise<string>((resolve, reject) => {
    execFile(
      process.execPath,
      ['--expose-gc', '--import', 'tsx', join(here, 'fixtures', 'memory-flood.ts'), String(COUNT)],
      { cwd: join(here, '..'), timeout: 230_000, maxBuffer: 1 << 20 },
      (error, stdout, stderr) =>
        error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout),
    );
  });
  const result = JSON.parse(output.trim().split('\n').at(-1) as string) as {
    heapBefore: number;
    heapAfter: number;
    rssBefore: number;
    rssAfter: number;
  };
  const growth = result.heapAfter - result.heapBefore;
  console.log(
    `[memory] ${COUNT} tokens+proofs: heap +${(growth / 1048576).toFixed(1)} MiB, rss +${((result.rssAfter - result.rssBefore) / 1048576).toFixed(1)} MiB`,
  );
  expect(growth).toBeLessThan(BOUND);
});
