import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

// A flood through one guard, in a child process (test/fixtures/memory-flood.ts): distinct JWTs each
// with a fresh DPoP proof, then distinct opaque tokens each introspected once, then distinct DPoP
// keys — each phase 2.5 times larger than the structure it fills, with capacities a tenth of the
// defaults so that it runs in seconds: verified tokens (LRU, 1,000 here), the introspection cache
// (LRU, 10,000 here), the replay memory (jtis never evicted before they expire: at its capacity,
// 10,000 here, new proofs are refused with 503), proof keys (LRU, 10,000). Every structure is full
// by the middle of its phase, so the second half of each phase must not grow the heap: a structure
// that is not bounded would grow it by its entries (≥ 100 bytes each, ≥ 1.2 MiB for 12,500). The
// default sizes are flooded by bench/ (`pnpm bench --only=memory`).
const COUNT = Number(process.env.MEMORY_FLOOD ?? 25_000);
// MEMORY_FLOOD=0 leaves the flood out (.ci/run does on Node 22 and 24: it ran on Node 20).
const skip = COUNT === 0;
if (skip) console.log('[memory] skipped: MEMORY_FLOOD=0 (the flood runs on the CI base Node only)');
const TOTAL_BOUND = 24 * 1024 * 1024;
const SECOND_HALF_BOUND = 1.25 * 1024 * 1024;
const mib = (bytes: number) =>
  `${bytes < 0 ? '−' : '+'}${(Math.abs(bytes) / 1048576).toFixed(1)} MiB`;

interface Phase {
  phase: string;
  count: number;
  growth: number;
  secondHalf: number;
  refused: number;
}

it.skipIf(skip)(
  `heap stays bounded under ${COUNT.toLocaleString('en')} distinct JWTs with proofs, as many opaque tokens and as many proof keys`,
  {
    timeout: 180_000,
  },
  async () => {
    const here = dirname(fileURLToPath(import.meta.url));
    const output = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        [
          '--expose-gc',
          '--import',
          'tsx',
          join(here, 'fixtures', 'memory-flood.ts'),
          String(COUNT),
        ],
        { cwd: join(here, '..'), timeout: 170_000, maxBuffer: 1 << 20 },
        // stderr holds the flood's progress: on a timeout it shows where the flood stopped.
        (error, stdout, stderr) =>
          error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout),
      );
    });
    const lines = output.trim().split('\n');
    const phases = lines.slice(0, -1).map((line) => JSON.parse(line) as Phase);
    for (const phase of phases) {
      const refusals = phase.refused > 0 ? `, ${phase.refused} refused (replay memory full)` : '';
      console.log(
        `[memory] ${phase.phase} (${phase.count}): heap ${mib(phase.growth)}, second half ${mib(phase.secondHalf)}${refusals}`,
      );
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
    expect(phases.map((p) => p.phase)).toEqual([
      'JWTs with DPoP proofs',
      'opaque tokens',
      'DPoP keys',
    ]);
    for (const phase of phases) {
      expect({ phase: phase.phase, secondHalf: phase.secondHalf < SECOND_HALF_BOUND }).toEqual({
        phase: phase.phase,
        secondHalf: true,
      });
    }
    // The replay memory refused proofs once full rather than forgetting live jtis.
    expect(phases[0]?.refused).toBeGreaterThan(0);
    expect(growth).toBeLessThan(TOTAL_BOUND);
  },
);
