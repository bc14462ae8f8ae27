/** How long and how often: `pnpm bench` and `--quick` are the quick run, `--full` the one for the README. */
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
  /**
   * Distinct tokens per algorithm for the `miss` workloads (never reused within a run), beside
   * 1,000 for warm-ups; the micro benchmarks cycle through the first 10,500.
   */
  distinctPool: number;
  /** Memory: requests in each phase of the flood. */
  flood: number;
}

// Quick: every row the goal table reads, twice, in under 3 minutes on a 2-core machine.
export const QUICK: Settings = {
  mode: 'quick',
  rounds: 2,
  warmupSeconds: 0.3,
  seconds: 0.8,
  connections: 32,
  microMs: 120,
  dpopProofs: 400,
  distinctPool: 9_500,
  flood: 2_000,
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
