import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

// A flood through one guard: 200,000 distinct JWTs each with a fresh DPoP proof, then 200,000
// distinct opaque tokens each introspected once, then 20,000 distinct DPoP keys. Everything it
// fills is bounded — verified tokens (LRU, 10,000), proof keys (LRU), the replay memory (jtis
// are never evicted before they expire: at `dpop.replayCapacity`, 210,000 by default, new proofs
// are refused with 503), the introspection cache (LRU, 100,000) — so heap growth stays under a
// stated bound whatever the flood's size.
const COUNT = Number(process.env.MEMORY_FLOOD ?? 200_000);
const BOUND = 96 * 1024 * 1024;
const mib = (bytes: number) =>
  `${bytes < 0 ? '−' : '+'}${(Math.abs(bytes) / 1048576).toFixed(1)} MiB`;

it(`heap growth after ${COUNT.toLocaleString('en')} distinct JWTs with proofs, as many opaque tokens and a tenth as many proof keys stays under 96 MiB`, {
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
  const lines = output.trim().split('\n');
  for (const line of lines.slice(0, -1)) {
    const phase = JSON.parse(line) as {
      phase: string;
      count: number;
      growth: number;
      refused: number;
    };
    const refusals = phase.refused > 0 ? `, ${phase.refused} refused (replay memory full)` : '';
    console.log(`[memory] ${phase.phase} (${phase.count}): heap ${mib(phase.growth)}${refusals}`);
  }
  const result = JSON.parse(lines.at(-1) as string) as {
    heapBefore: number;
    heapAfter: number;
    rssBefore: number;
    rssAfter: number;
  };
  const growth = result.heapAfter - result.heapBefore;
  console.log(
    `[memory] total: heap ${mib(growth)}, rss ${mib(result.rssAfter - result.rssBefore)}`,
  );
  expect(growth).toBeLessThan(BOUND);
});
