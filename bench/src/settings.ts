/** How long and how often: `pnpm bench` is the quick run, `pnpm bench --full` the one for the README. */
export interface Settings {
  mode: 'quick' | 'full';
  /** Interleaved rounds: every contender once per round, in the same order. */
  rounds: number;
  /** HTTP: seconds of warm-up and of measured load per run, and concurrent connections. */
  warmupSeconds: number;
  seconds: number;
  connections: number;
  /** Micro: milliseconds per measurement, DPoP proofs per measurement. */
  microMs: number;
  dpopProofs: number;
  /** HTTP: distinct RS256 and opaque tokens for the all-distinct workloads (never reused in a run). */
  distinctPool: number;
  /** Memory: requests in the flood. */
  flood: number;
}

export const QUICK: Settings = {
  mode: 'quick',
  rounds: 2,
  warmupSeconds: 0.5,
  seconds: 1.5,
  connections: 32,
  microMs: 200,
  dpopProofs: 800,
  distinctPool: 8_000,
  flood: 20_000,
};

export const FULL: Settings = {
  mode: 'full',
  rounds: 5,
  warmupSeconds: 2,
  seconds: 5,
  connections: 32,
  microMs: 1_000,
  dpopProofs: 4_000,
  distinctPool: 50_000,
  flood: 200_000,
};
